import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An account at an identity provider linked to a user: (issuer, subject) is the identity, the only stable key
 * OpenID Connect gives (an email can change hands). No foreign key to users: a user's deletion removes these
 * through the users.deleted event, and a link whose user is gone is ignored.
 */
@Entity('linked_identities')
@Index('idx_linked_identities_issuer_subject', ['issuer', 'subject'], { unique: true })
@Index('idx_linked_identities_user_id', ['userId'])
export class LinkedIdentity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** The configured provider id (`OIDC_PROVIDERS`), for display; the issuer is what identifies. */
  @Column({ type: 'varchar', length: 32 })
  provider!: string;

  @Column({ type: 'varchar', length: 512 })
  issuer!: string;

  /** `sub`: at most 255 ASCII characters (OpenID Connect Core §2). */
  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  /** The provider's email when it was linked, for display only: never used to find the user. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
