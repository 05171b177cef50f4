import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The webhook outbox: one row per event to deliver, written in the event's own transaction, so an event is delivered
 * if and only if it was recorded, and still after a restart.
 */
@Entity('webhook_outbox')
@Index('idx_webhook_outbox_pending', ['deliveredAt', 'abandonedAt', 'nextAttemptAt'])
export class WebhookDelivery {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  /** The exact body POSTed (and signed): the event as API.md shows it. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'next_attempt_at', type: Date })
  nextAttemptAt!: Date;

  /** Which sender holds the row, and until when; a sender that died lets it go when the time passes. */
  @Column({ name: 'claim_token', type: 'varchar', length: 36, nullable: true })
  claimToken!: string | null;

  @Column({ name: 'claimed_until', type: Date, nullable: true })
  claimedUntil!: Date | null;

  @Column({ name: 'delivered_at', type: Date, nullable: true })
  deliveredAt!: Date | null;

  /** Set when retries ran out (24 hours after the event). */
  @Column({ name: 'abandoned_at', type: Date, nullable: true })
  abandonedAt!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError!: string | null;
}
