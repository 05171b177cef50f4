import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { UserRole } from '../users/user-role';

/**
 * One login: it outlives its access tokens (their `sid` points here) and is the durable record of a revocation,
 * which is why the row stays after a logout or after its user is deleted, until the cleanup removes it.
 */
@Entity('sessions')
export class Session {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('idx_sessions_user_id')
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  /** SHA-256 (hex) of the current refresh token; the token itself is never stored. */
  @Column({ name: 'refresh_token_hash', type: 'varchar', length: 64 })
  refreshTokenHash!: string;

  /** SHA-256 of the refresh token spent last: within the grace window it is told apart from older tokens. */
  @Column({ name: 'previous_refresh_token_hash', type: 'varchar', length: 64, nullable: true })
  previousRefreshTokenHash!: string | null;

  /** When that token was spent. */
  @Column({ name: 'rotated_at', type: Date, nullable: true })
  rotatedAt!: Date | null;

  /** The current refresh token, sealed under a key derived from the previous one (refresh-successor.ts). */
  @Column({ name: 'sealed_successor', type: 'varchar', length: 255, nullable: true })
  sealedSuccessor!: string | null;

  /** When the user last proved who they are in this session (login or step-up): the tokens' `auth_time`. */
  @Column({ name: 'auth_time', type: Date, nullable: true })
  authTime!: Date | null;

  /** How they proved it (RFC 8176 `amr` values, space-separated): kept on the session so that a refresh keeps it. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  amr!: string | null;

  /** Whether the user has a second factor (SessionAuthentication.secondFactor): a refresh needs no query to know. */
  @Column({ name: 'second_factor', type: 'boolean', nullable: true })
  secondFactor!: boolean | null;

  /**
   * The user's name and roles as the session opened, so a refresh needs no read of the users table: a username never
   * changes, and a change of roles, disabling or deleting the user ends their sessions. Null for older sessions.
   */
  @Column({ type: 'varchar', length: 32, nullable: true })
  username!: string | null;

  @Column({ type: 'simple-array', nullable: true })
  roles!: UserRole[] | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: Date })
  lastUsedAt!: Date;

  @Index('idx_sessions_expires_at')
  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Index('idx_sessions_revoked_at')
  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;
}
