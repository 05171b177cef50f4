export type { ClientInfo } from '../common/http/client-info';

/** How and when the user of a session last authenticated (OpenID Connect's `amr`, RFC 8176, and `auth_time`). */
export interface SessionAuthentication {
  amr: string[];
  authTime: Date;
}

/** A session just opened or rotated: what the token issuer needs to answer with a token pair. */
export interface IssuedSession {
  sessionId: string;
  userId: string;
  refreshToken: string;
  refreshExpiresIn: number;
  authentication: SessionAuthentication;
}
