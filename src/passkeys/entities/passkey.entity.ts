import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A WebAuthn signature counter is a 32-bit unsigned number: above PostgreSQL's `integer`, so `bigint`, read back as a number. */
const counterColumn = { from: (value: string | number) => Number(value), to: (value: number) => value };

/**
 * A user's WebAuthn credential (a passkey): its public key and signature counter, never a secret. No foreign key: like
 * the second factors of mfa/, a deleted user's rows go with the users.deleted event.
 */
@Entity('passkeys')
export class Passkey {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('idx_passkeys_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** The authenticator's credential id, base64url (at most 1023 bytes: WebAuthn L3 §5.1). */
  @Index('idx_passkeys_credential_id', { unique: true })
  @Column({ name: 'credential_id', type: 'varchar', length: 1400 })
  credentialId!: string;

  /** The COSE_Key of the credential, base64url. */
  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  @Column({ type: 'bigint', transformer: counterColumn })
  counter!: number;

  /** The transports the authenticator named at registration, comma-separated (`internal,hybrid`). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  transports!: string | null;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  /** The BS flag of the last ceremony: the passkey is synced to other devices (WebAuthn L3 §6.1). */
  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp!: boolean;

  /** `singleDevice` or `multiDevice` (the BE flag), fixed at registration. */
  @Column({ name: 'device_type', type: 'varchar', length: 16 })
  deviceType!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt!: Date | null;
}
