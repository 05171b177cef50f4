import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Brackets, IsNull, Repository } from 'typeorm';
import { BackgroundTasks, every } from '../../common/background/background-tasks';
import { auditConfig } from '../../config';
import { MetricsService } from '../../metrics/metrics.service';
import { WebhookDelivery } from './webhook-delivery.entity';
import { webhookSignature } from './webhook-signature';
import { retryDelayMs, WEBHOOK_TIMINGS, WebhookTimings } from './webhook-timings';

/**
 * Delivers the outbox to WEBHOOK_URL, off every request's path: on a timer and right after a commit. Rows are claimed
 * with one atomic UPDATE (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so on a cluster each event goes out from one
 * instance; delivery is at least once (an instance that dies mid-POST leaves the row to be claimed again).
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookSender.name);
  private readonly background = new BackgroundTasks(this.logger);
  private stopPolling?: () => void;
  private passRunning = false;
  private passWanted = false;
  private stopping = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @Inject(auditConfig.KEY) private readonly config: ConfigType<typeof auditConfig>,
    @Inject(WEBHOOK_TIMINGS) private readonly timings: WebhookTimings,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.gauge('gatehouse_webhook_outbox_backlog', 'Webhook deliveries neither delivered nor abandoned', () =>
      this.deliveries.countBy({ deliveredAt: IsNull(), abandonedAt: IsNull() }),
    );
    if (!this.config.webhook) return;
    // Through nudge, so that every pass is one the shutdown waits for.
    this.stopPolling = every(this.timings.pollMs, 'webhook delivery', this.logger, () => Promise.resolve(this.nudge()));
    // What an earlier run left undelivered goes out now (or when its retry is due), not at the first tick.
    this.nudge();
    this.background.run('webhook retry schedule', async () => {
      const next = await this.deliveries.findOne({
        where: { deliveredAt: IsNull(), abandonedAt: IsNull() },
        order: { nextAttemptAt: 'ASC' },
      });
      if (next) this.retryAt(Math.max(0, next.nextAttemptAt.getTime() - Date.now()));
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.stopPolling?.();
    for (const timer of this.retryTimers) clearTimeout(timer);
    await this.background.drain();
  }

  /** Starts a delivery pass in the background, or asks the running one to look again when it is done. */
  nudge(): void {
    if (!this.config.webhook || this.stopping) return;
    if (this.passRunning) {
      this.passWanted = true;
      return;
    }
    this.background.run('webhook delivery', () => this.deliverDue());
  }

  /** Claims and POSTs due rows until none is left. */
  async deliverDue(): Promise<void> {
    if (this.passRunning) {
      this.passWanted = true;
      return;
    }
    this.passRunning = true;
    try {
      do {
        this.passWanted = false;
        for (;;) {
          const claimed = await this.claim(new Date());
          if (claimed.length === 0) break;
          await Promise.all(claimed.map((row) => this.deliver(row)));
          if (this.stopping) return;
        }
      } while (this.passWanted && !this.stopping);
    } finally {
      this.passRunning = false;
    }
  }

  /** One atomic UPDATE marks a batch of due rows as this sender's; whichever instance runs it first has them. */
  private async claim(now: Date): Promise<WebhookDelivery[]> {
    const token = randomUUID();
    const due = (prefix: string) =>
      new Brackets((where) =>
        where
          .where(`${prefix}delivered_at IS NULL AND ${prefix}abandoned_at IS NULL AND ${prefix}next_attempt_at <= :now`)
          .andWhere(`(${prefix}claimed_until IS NULL OR ${prefix}claimed_until < :now)`),
      );
    const pick = this.deliveries
      .createQueryBuilder('due')
      .select('due.eventId')
      .where(due('due.'))
      .orderBy('due.nextAttemptAt', 'ASC')
      .limit(this.timings.batchSize);
    if (this.deliveries.manager.connection.options.type === 'postgres') pick.setLock('pessimistic_write').setOnLocked('skip_locked');
    // The outer conditions again: on PostgreSQL they are re-checked against a row that another claim changed meanwhile.
    await this.deliveries
      .createQueryBuilder()
      .update(WebhookDelivery)
      .set({ claimToken: token, claimedUntil: new Date(now.getTime() + this.timings.claimMs), attempts: () => 'attempts + 1' })
      .where(`event_id IN (${pick.getQuery()})`)
      .andWhere(due(''))
      .setParameters({ now })
      .execute();
    return this.deliveries.findBy({ claimToken: token });
  }

  private async deliver(row: WebhookDelivery): Promise<void> {
    const webhook = this.config.webhook!;
    let failure: string | undefined;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Gatehouse-Webhook/1',
          'gatehouse-event-id': row.eventId,
          'gatehouse-signature': webhookSignature(webhook.secret, row.payload, Math.floor(Date.now() / 1000)),
        },
        body: row.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timings.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status < 200 || response.status >= 300) failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = describeFailure(error);
    }
    await this.settle(row, failure, new Date());
  }

  private async settle(row: WebhookDelivery, failure: string | undefined, now: Date): Promise<void> {
    const mine = { eventId: row.eventId, claimToken: row.claimToken! };
    const released = { claimToken: null, claimedUntil: null };
    if (failure === undefined) {
      // Counted first: the POST happened whatever becomes of the write that records it.
      this.metrics.countWebhookDelivery('delivered');
      await this.deliveries.update(mine, { ...released, deliveredAt: now, lastError: null });
      return;
    }
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(this.timings, row.attempts));
    if (nextAttemptAt.getTime() - row.createdAt.getTime() > this.timings.giveUpAfterMs) {
      this.metrics.countWebhookDelivery('abandoned');
      await this.deliveries.update(mine, { ...released, abandonedAt: now, lastError: failure });
      this.logger.warn(`webhook delivery of event ${row.eventId} abandoned after ${row.attempts} attempts: ${failure}`);
      return;
    }
    this.metrics.countWebhookDelivery('retry');
    await this.deliveries.update(mine, { ...released, nextAttemptAt, lastError: failure });
    this.retryAt(nextAttemptAt.getTime() - now.getTime());
  }

  /**
   * The poll would find the retry too, but up to `pollMs` late: the first retries are due within seconds. A timer can
   * fire a little before the wall clock reaches its time, when the row would not be due yet: hence the margin.
   */
  private retryAt(delayMs: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.nudge();
    }, delayMs + 50);
    timer.unref();
    this.retryTimers.add(timer);
  }
}

/** Why a POST failed, short and free of the URL (which may carry credentials). */
function describeFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string } }).cause;
  return (cause?.code ?? (error instanceof Error ? error.message : 'failed')).slice(0, 255);
}
