import { Counter, Metric, Registry } from 'prom-client';

type RequestLabel = 'method' | 'route' | 'status';
type RequestLabels = Record<RequestLabel, string>;

const REQUESTS = 'gatehouse_http_requests_total';
const DURATIONS = 'gatehouse_http_request_duration_seconds';
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The numbers behind one method, route and status. `perBucket` is not cumulative; its last slot is +Inf. */
interface Series {
  labels: RequestLabels;
  count: number;
  sum: number;
  perBucket: number[];
}

/** Counts one route's requests; see `RequestMetrics.forRoute`. */
export class RouteRequests {
  private readonly byStatus = new Map<number, Series>();

  constructor(
    private readonly method: string,
    private readonly route: string,
    private readonly all: Series[],
  ) {}

  record(status: number, seconds: number): void {
    let series = this.byStatus.get(status);
    if (!series) {
      series = {
        labels: { method: this.method, route: this.route, status: String(status) },
        count: 0,
        sum: 0,
        perBucket: BUCKETS.map(() => 0).concat(0),
      };
      this.byStatus.set(status, series);
      this.all.push(series);
    }
    series.count++;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]) bucket++;
    series.perBucket[bucket]++;
  }
}

/**
 * Requests by method, route template and status, as a counter and a latency histogram. They are kept as plain numbers
 * and handed to prom-client only when /metrics is scraped: prom-client validates and hashes the label set on every
 * labelled call, twice per request here, which the hot path felt. A route resolves its `RouteRequests` once, so
 * recording a request is one lookup by status and a few additions.
 */
export class RequestMetrics {
  private readonly series: Series[] = [];
  private readonly routes = new Map<string, RouteRequests>();

  constructor(registry: Registry) {
    const series = this.series;
    new Counter({
      name: REQUESTS,
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, count } of series) this.inc(labels, count);
      },
    });
    registry.registerMetric(requestDurations(series));
  }

  /** `route` is the route's template (`/api/v1/users/:id`), never the raw URL, so the label set stays bounded. */
  forRoute(method: string, route: string): RouteRequests {
    const key = `${method} ${route}`;
    let requests = this.routes.get(key);
    if (!requests) this.routes.set(key, (requests = new RouteRequests(method, route, this.series)));
    return requests;
  }
}

/**
 * The latency histogram, exported from the series above. prom-client's registry reads a metric's name, help, type
 * and `get()`, and its `Histogram` class can only be filled one observation at a time; this object gives the registry
 * the same lines that class would (`le` first, cumulative buckets, then sum and count).
 */
function requestDurations(series: Series[]): Metric {
  const describe = { name: DURATIONS, help: 'HTTP request duration by route and status', type: 'histogram', aggregator: 'sum' };
  const values = () =>
    series.flatMap(({ labels, count, sum, perBucket }) => {
      let cumulative = 0;
      return [
        ...BUCKETS.map((le, i) => ({ labels: { le, ...labels }, value: (cumulative += perBucket[i]), metricName: `${DURATIONS}_bucket` })),
        { labels: { le: '+Inf', ...labels }, value: count, metricName: `${DURATIONS}_bucket` },
        { labels, value: sum, metricName: `${DURATIONS}_sum` },
        { labels, value: count, metricName: `${DURATIONS}_count` },
      ];
    });
  const metric = {
    ...describe,
    get: () => Promise.resolve({ ...describe, values: values() }),
    reset: () => {
      for (const one of series) {
        one.count = 0;
        one.sum = 0;
        one.perBucket.fill(0);
      }
    },
  };
  // The registry is typed for prom-client's own classes; it uses no more of them than the members above.
  return metric as unknown as Metric;
}
