import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What a provider's callback hands the browser instead of tokens: a single-use code, 60 seconds, that the client
 * exchanges for a session (tokens never travel in a URL). Only its SHA-256 is stored.
 */
@Entity('oidc_login_codes')
@Index('idx_oidc_login_codes_expires_at', ['expiresAt'])
export class OidcLoginCode {
  @PrimaryColumn({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;
}
