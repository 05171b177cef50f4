import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A user's TOTP authenticator: pending until a correct code confirms it. The secret is sealed (secret-box.ts) under
 * DATA_ENCRYPTION_KEY, which is never in the database. No foreign key: like one-time tokens, a deleted user's row
 * matches no one.
 */
@Entity('mfa_totp')
export class TotpCredential {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'sealed_secret', type: 'varchar', length: 255 })
  sealedSecret!: string;

  @Column({ name: 'confirmed_at', type: Date, nullable: true })
  confirmedAt!: Date | null;

  /** The RFC 6238 time step of the code accepted last: a code is accepted once (ASVS 6.5.1). */
  @Column({ name: 'last_used_step', type: 'integer', nullable: true })
  lastUsedStep!: number | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
