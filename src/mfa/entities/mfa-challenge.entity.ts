import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A login waiting for its second factor (the `mfaToken`), in the database so that any instance can finish it. Only
 * the token's hash is stored; `attempts` counts codes tried, `used_at` makes it single use.
 */
@Entity('mfa_challenges')
export class MfaChallenge {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  /** The RFC 8176 value of the first step (`pwd`, or `fed` after an identity provider), for the session's `amr`. */
  @Column({ name: 'first_factor', type: 'varchar', length: 16 })
  firstFactor!: string;

  @Index('idx_mfa_challenges_expires_at')
  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
