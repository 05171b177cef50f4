import type { UserRole } from '../users/user-role';
export type { ClientInfo } from '../common/http/client-info';

/** How and when the user of a session last authenticated (OpenID Connect's `amr`, RFC 8176, and `auth_time`). */
export interface SessionAuthentication {
  amr: string[];
  authTime: Date;
  /**
   * Whether the user has a second factor, as of this session's last change (undefined for sessions older than the
   * column). It can change only in this session: gaining or losing a user's second factor ends their other sessions.
   */
  secondFactor?: boolean;
}

/** Who a session's user is, as of its opening (Session.username and .roles say why it stays right). */
export interface SessionSubject {
  username: string;
  roles: UserRole[];
}

/** A session just opened or rotated: what the token issuer needs to answer with a token pair. */
export interface IssuedSession {
  sessionId: string;
  userId: string;
  /** Undefined for sessions opened before it was recorded: their user is read. */
  subject?: SessionSubject;
  refreshToken: string;
  refreshExpiresIn: number;
  authentication: SessionAuthentication;
}
