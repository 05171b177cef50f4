import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

type RequestLabel = 'method' | 'route' | 'status';

export type LoginOutcome = 'success' | 'invalid_credentials' | 'locked' | 'disabled' | 'email_not_verified';

/** The Prometheus registry of this app (one per app, so tests can boot several) and the counters it exposes. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);

  private readonly requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** `route` is the route's template (`/api/v1/users/:id`), never the raw URL, so the label set stays bounded. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { count: this.requests.labels(labels), duration: this.durations.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** Label children by route and status, resolved once: prom-client hashes the label set on every labelled call. */
  private readonly requestSeries = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<RequestLabel> }>();

  countLogin(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  countTokenRejection(code: string): void {
    this.tokenRejections.inc({ code });
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
