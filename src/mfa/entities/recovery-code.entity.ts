import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One recovery code, as a SHA-256 hash only (60 random bits need no slow hash); `used_at` makes it single use. */
@Entity('mfa_recovery_codes')
export class RecoveryCode {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('idx_mfa_recovery_codes_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
