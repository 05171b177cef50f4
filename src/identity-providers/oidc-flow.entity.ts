import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type OidcFlowPurpose = 'login' | 'link';

/**
 * One authorization request in progress, kept in the database so that any instance can take its callback. Found by
 * the SHA-256 of its `state` (the state itself only ever travels in the browser's URLs), spent once (`used_at`).
 * The nonce and PKCE verifier are useless without the authorization code, which never reaches the database.
 */
@Entity('oidc_flows')
@Index('idx_oidc_flows_expires_at', ['expiresAt'])
export class OidcFlow {
  @PrimaryColumn({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash!: string;

  @Column({ type: 'varchar', length: 32 })
  provider!: string;

  @Column({ type: 'varchar', length: 8 })
  purpose!: OidcFlowPurpose;

  /** The user a `link` flow links to; null for a login. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  nonce!: string;

  @Column({ name: 'code_verifier', type: 'varchar', length: 128 })
  codeVerifier!: string;

  /** SHA-256 of the starting browser's binding cookie (browser-binding.ts); null for a link, started by a signed-in caller. */
  @Column({ name: 'browser_binding', type: 'varchar', length: 64, nullable: true })
  browserBinding!: string | null;

  @Column({ name: 'return_to', type: 'varchar', length: 2048 })
  returnTo!: string;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;
}
