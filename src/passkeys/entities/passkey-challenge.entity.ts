import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What a challenge was issued for; a response is accepted only by the ceremony its challenge names. */
export type PasskeyCeremony = 'registration' | 'login' | 'second_factor' | 'step_up';

/**
 * A WebAuthn challenge waiting for its response, in the database so that any instance can finish a ceremony another
 * began. Stored as its SHA-256: the verify routes find it by the `challenge` in `clientDataJSON`, and deleting the row
 * spends it.
 */
@Entity('passkey_challenges')
export class PasskeyChallenge {
  @PrimaryColumn({ name: 'challenge_hash', type: 'varchar', length: 64 })
  challengeHash!: string;

  @Column({ type: 'varchar', length: 16 })
  ceremony!: PasskeyCeremony;

  /** The user it is for; none for a passwordless login, which learns the user from the credential. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  /** What else it is bound to: the mfaToken's hash for a second factor, the session id for a step-up. */
  @Column({ name: 'bound_to', type: 'varchar', length: 64, nullable: true })
  boundTo!: string | null;

  @Index('idx_passkey_challenges_expires_at')
  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
