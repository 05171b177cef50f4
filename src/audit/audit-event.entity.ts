import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One security event. Rows are only ever inserted, and deleted by the retention sweep; nothing updates one. */
@Entity('audit_events')
@Index('idx_audit_events_at_id', ['at', 'id'])
@Index('idx_audit_events_user_at_id', ['userId', 'at', 'id'])
@Index('idx_audit_events_type_at_id', ['type', 'at', 'id'])
export class AuditEventRow {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: Date })
  at!: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: string;

  /** JSON text: portable across SQLite and PostgreSQL, and never queried into. */
  @Column({ type: 'text' })
  details!: string;
}
