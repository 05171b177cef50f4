import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type OneTimeTokenPurpose = 'password_reset' | 'email_verification';

/**
 * A token mailed to a user (password reset, email verification). Only its SHA-256 is stored, so a leaked table
 * grants nothing; `used_at` makes it single use. No foreign key: a deleted user's tokens simply match no one.
 */
@Entity('one_time_tokens')
@Index('idx_one_time_tokens_user_purpose', ['userId', 'purpose'])
export class OneTimeToken {
  /** SHA-256 (hex) of the token. */
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 32 })
  purpose!: OneTimeTokenPurpose;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** The canonical address the token was mailed to: it proves control of that address, and of no later one. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
