import { Session } from './session.entity';

export class SessionResponseDto {
  id!: string;
  /** ISO-8601, UTC */
  createdAt!: string;
  /** When the session last logged in or refreshed. */
  lastUsedAt!: string;
  /** When its refresh token stops working unless refreshed. */
  expiresAt!: string;
  userAgent!: string | null;
  ip!: string | null;
  /** True for the session of the token making this request. */
  current!: boolean;
}

export function toSessionResponse(session: Session, currentSessionId: string): SessionResponseDto {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  };
}
