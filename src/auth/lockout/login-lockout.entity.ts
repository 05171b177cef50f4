import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Failed logins per login key (a user's id, or the canonical name for names that match no user, so that a lock
 * reveals nothing about which names exist). Kept in the database so a restart does not reset a lock.
 */
@Entity('login_lockouts')
export class LoginLockout {
  @PrimaryColumn({ type: 'varchar', length: 300 })
  key!: string;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'locked_until', type: Date, nullable: true })
  lockedUntil!: Date | null;

  @Index('idx_login_lockouts_last_failure_at')
  @Column({ name: 'last_failure_at', type: Date })
  lastFailureAt!: Date;
}
