import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { auditConfig } from '../config';
import { afterCommit, transactional, Transactions } from '../database/transactions';
import { MetricsService } from '../metrics/metrics.service';
import { AuditContext, AuditRecord, toAuditEvent, withoutSecrets } from './audit-event';
import { AuditEventRow } from './audit-event.entity';
import { WebhookDelivery } from './webhooks/webhook-delivery.entity';
import { WebhookSender } from './webhooks/webhook-sender.service';

/**
 * Writes the audit trail. Called inside `Transactions.run` with the change it records, the event and its webhook
 * outbox row commit or roll back with that change; called outside one, it writes them in a transaction of their own.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEventRow) private readonly eventRows: Repository<AuditEventRow>,
    @InjectRepository(WebhookDelivery) private readonly outboxRows: Repository<WebhookDelivery>,
    @Inject(auditConfig.KEY) private readonly config: ConfigType<typeof auditConfig>,
    private readonly transactions: Transactions,
    private readonly metrics: MetricsService,
    private readonly webhooks: WebhookSender,
  ) {}

  async record(event: AuditRecord, context: AuditContext = {}): Promise<void> {
    const now = new Date();
    const row: AuditEventRow = {
      id: randomUUID(),
      type: event.type,
      at: now,
      actorId: event.actorId ?? null,
      userId: event.userId ?? null,
      ip: clip(context.ip, 64),
      userAgent: clip(context.userAgent, 512),
      requestId: clip(context.requestId, 64),
      outcome: event.outcome ?? 'success',
      details: JSON.stringify(withoutSecrets(event.details ?? {})),
    };
    await this.transactions.run(async () => {
      await transactional(this.eventRows).insert(row);
      if (this.config.webhook) {
        await transactional(this.outboxRows).insert({
          eventId: row.id,
          payload: JSON.stringify(toAuditEvent(row)),
          attempts: 0,
          createdAt: now,
          nextAttemptAt: now,
          claimToken: null,
          claimedUntil: null,
          deliveredAt: null,
          abandonedAt: null,
          lastError: null,
        });
      }
      afterCommit(() => {
        this.metrics.countAuditEvent(row.type);
        if (this.config.webhook) this.webhooks.nudge();
      });
    });
  }
}

function clip(value: string | undefined, max: number): string | null {
  return value ? value.slice(0, max) : null;
}
