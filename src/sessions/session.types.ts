/** Who opened or refreshed a session, as recorded on it (shown back in the caller's session list). */
export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

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
