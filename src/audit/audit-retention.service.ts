import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { every } from '../common/background/background-tasks';
import { auditConfig } from '../config';
import { AuditEventRow } from './audit-event.entity';
import { WebhookDelivery } from './webhooks/webhook-delivery.entity';

const PRUNE_INTERVAL_MS = 60 * 60_000;
const DAY_MS = 24 * 3600_000;
/** Small deletes, so the sweep never holds a long lock on a busy table. */
const BATCH_SIZE = 1000;

/** AUDIT_RETENTION_DAYS: older events go, in batches, in the background; so do settled webhook deliveries. */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditRetention.name);
  private stopPruning?: () => void;

  constructor(
    @InjectRepository(AuditEventRow) private readonly events: Repository<AuditEventRow>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @Inject(auditConfig.KEY) private readonly config: ConfigType<typeof auditConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.stopPruning = every(PRUNE_INTERVAL_MS, 'audit retention', this.logger, async () => {
      await this.prune();
    });
  }

  onModuleDestroy(): void {
    this.stopPruning?.();
  }

  /** Deletes what is past retention, `batchSize` rows at a time; returns how many events went. */
  async prune(now = new Date(), batchSize = BATCH_SIZE): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.retentionDays * DAY_MS);
    let pruned = 0;
    for (;;) {
      const batch = await this.events.find({
        select: { id: true },
        where: { at: LessThan(cutoff) },
        order: { at: 'ASC' },
        take: batchSize,
      });
      if (batch.length === 0) break;
      await this.events.delete({ id: In(batch.map((row) => row.id)) });
      pruned += batch.length;
      if (batch.length < batchSize) break;
    }
    // A delivered or abandoned row has done its job; a day later nothing needs it (pending rows are never touched).
    const settledBefore = new Date(now.getTime() - DAY_MS);
    await this.deliveries.delete({ deliveredAt: LessThan(settledBefore) });
    await this.deliveries.delete({ abandonedAt: LessThan(settledBefore) });
    return pruned;
  }
}
