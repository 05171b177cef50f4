import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { LoginOutcome } from './login-outcome';
import { RequestMetrics } from './request-metrics';

/** The Prometheus registry of this app (one per app, so tests can boot several) and the counters it exposes. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);

  /** Requests by route and status; a route takes its `RouteRequests` from here once (see app.setup.ts). */
  readonly requests = new RequestMetrics(this.registry);
  private readonly logins = new Counter({
    name: 'gatehouse_logins_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly tokenRejections = new Counter({
    name: 'gatehouse_token_rejections_total',
    help: 'Refused access tokens by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  private readonly auditEvents = new Counter({
    name: 'gatehouse_audit_events_total',
    help: 'Audit events written (committed), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'gatehouse_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, retry (failed, will be retried), abandoned (retries ran out)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  countLogin(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  countTokenRejection(code: string): void {
    this.tokenRejections.inc({ code });
  }

  countAuditEvent(type: string): void {
    this.auditEvents.inc({ type });
  }

  countWebhookDelivery(outcome: 'delivered' | 'retry' | 'abandoned'): void {
    this.webhookDeliveries.inc({ outcome });
  }

  /** A gauge read at scrape time; a failing read keeps the last value rather than failing the scrape. */
  gauge(name: string, help: string, read: () => Promise<number>): void {
    const logger = this.logger;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          this.set(await read());
        } catch (error) {
          logger.warn(`${name} not updated: ${(error as Error).message}`);
        }
      },
    });
  }
}
