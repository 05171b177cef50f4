export type { ClientInfo } from '../common/http/client-info';

/** A session just opened or rotated: what the token issuer needs to answer with a token pair. */
export interface IssuedSession {
  sessionId: string;
  userId: string;
  refreshToken: string;
  refreshExpiresIn: number;
}
