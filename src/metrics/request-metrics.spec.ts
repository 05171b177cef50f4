import { Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics';

function line(text: string, start: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(start + ' '));
  return found === undefined ? undefined : Number(found.slice(start.length + 1));
}

describe('RequestMetrics', () => {
  let registry: Registry;
  let metrics: RequestMetrics;

  beforeEach(() => {
    registry = new Registry();
    metrics = new RequestMetrics(registry);
  });

  it('exports counts and a cumulative latency histogram by method, route template and status', async () => {
    const me = metrics.forRoute('GET', '/api/v1/auth/me');
    me.record(200, 0.0005);
    me.record(200, 0.003);
    me.record(200, 3);
    me.record(401, 0.02);
    const text = await registry.metrics();

    const labels = 'method="GET",route="/api/v1/auth/me",status="200"';
    expect(line(text, `gatehouse_http_requests_total{${labels}}`)).toBe(3);
    expect(line(text, `gatehouse_http_requests_total{method="GET",route="/api/v1/auth/me",status="401"}`)).toBe(1);
    expect(line(text, `gatehouse_http_request_duration_seconds_bucket{le="0.001",${labels}}`)).toBe(1);
    expect(line(text, `gatehouse_http_request_duration_seconds_bucket{le="0.005",${labels}}`)).toBe(2);
    expect(line(text, `gatehouse_http_request_duration_seconds_bucket{le="2.5",${labels}}`)).toBe(2);
    expect(line(text, `gatehouse_http_request_duration_seconds_bucket{le="+Inf",${labels}}`)).toBe(3);
    expect(line(text, `gatehouse_http_request_duration_seconds_count{${labels}}`)).toBe(3);
    expect(line(text, `gatehouse_http_request_duration_seconds_sum{${labels}}`)).toBeCloseTo(3.0035, 6);
    expect(text).toContain('# TYPE gatehouse_http_request_duration_seconds histogram');
  });

  it('hands out one recorder per method and route, so counts from anywhere add up', async () => {
    metrics.forRoute('POST', '/api/v1/auth/login').record(200, 0.1);
    metrics.forRoute('POST', '/api/v1/auth/login').record(200, 0.1);
    const text = await registry.metrics();

    expect(line(text, 'gatehouse_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"}')).toBe(2);
  });

  it('keeps counting across scrapes', async () => {
    const route = metrics.forRoute('GET', '/health/live');
    route.record(200, 0.001);
    await registry.metrics();
    route.record(200, 0.001);
    const text = await registry.metrics();

    expect(line(text, 'gatehouse_http_requests_total{method="GET",route="/health/live",status="200"}')).toBe(2);
  });
});
