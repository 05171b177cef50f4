/** Who opened or refreshed a session, as recorded on it (shown back in the caller's session list). */
export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

/** A session just opened or rotated: what the token issuer needs to answer with a token pair. */
export interface IssuedSession {
  sessionId: string;
  userId: string;
  refreshToken: string;
  refreshExpiresIn: number;
}
