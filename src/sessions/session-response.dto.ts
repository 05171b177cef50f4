import { ApiProperty } from '@nestjs/swagger';
import { Session } from './session.entity';

export class SessionResponseDto {
  /** @example "7c0e2f7a-1b9d-4c55-9f0e-3d2a6b8c4e21" */
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** ISO-8601, UTC @example "2025-01-15T09:30:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  /** When the session last logged in or refreshed. @example "2025-01-15T09:45:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  lastUsedAt!: string;
  /** When its refresh token stops working unless refreshed. @example "2025-01-22T09:45:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
  /** The User-Agent of the login, if sent. @example "Mozilla/5.0 (X11; Linux x86_64)" */
  @ApiProperty({ type: 'string', nullable: true })
  userAgent!: string | null;
  /** The client address of the login. @example "203.0.113.7" */
  @ApiProperty({ type: 'string', nullable: true })
  ip!: string | null;
  /** True for the session of the token making this request. @example true */
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
