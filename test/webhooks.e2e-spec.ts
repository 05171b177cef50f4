import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { WebhookDelivery } from '../src/audit/webhooks/webhook-delivery.entity';
import { DEFAULT_WEBHOOK_TIMINGS, WEBHOOK_TIMINGS } from '../src/audit/webhooks/webhook-timings';
import { ADMIN_ENV, api, bearer, login, newUser, register, TEST_ADMIN } from './support/http';
import { within } from './support/instance';
import { describeIf, POSTGRES } from './support/requirements';
import { createTestApp, createTestDatabase, TestAppOptions, testDatabases } from './support/test-app';

jest.setTimeout(90_000);

const SECRET = randomBytes(32).toString('base64url');

interface Delivery {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A real HTTP receiver: records every delivery; `failNext` answers that many with 500, `delayMs` holds each answer. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  failNext = 0;
  delayMs = 0;
  private server!: Server;
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = this.failNext > 0 ? 500 : 204;
        if (this.failNext > 0) this.failNext--;
        this.deliveries.push({ at: Date.now(), headers: request.headers, body: Buffer.concat(chunks).toString(), status });
        setTimeout(() => response.writeHead(status).end(), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/gatehouse`;
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  of(eventId: string): Delivery[] {
    return this.deliveries.filter((d) => d.headers['gatehouse-event-id'] === eventId);
  }

  accepted(): Delivery[] {
    return this.deliveries.filter((d) => d.status === 204);
  }
}

/** The README's receiver check, as a receiver would write it. */
function verifyGatehouse(rawBody: string, header: string, secret: string, toleranceSeconds = 300): boolean {
  const { t, v1 } = Object.fromEntries(header.split(',').map((part) => part.split('=')));
  if (!t || !v1 || Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const webhookEnv = (receiver: Receiver) => ({ WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET });

/** Events of a user, read back through the admin route. */
async function eventsOf(app: NestFastifyApplication, adminToken: string, userId: string) {
  const response = await api(app).get('/api/v1/audit-events').query({ userId }).set(bearer(adminToken));
  expect(response.status).toBe(200);
  return (response.body as { items: { id: string; type: string }[] }).items;
}

describe.each(testDatabases())('webhooks on %s', (kind) => {
  let receiver: Receiver;
  let app: NestFastifyApplication;
  let url: string;
  let drop: () => Promise<void>;
  let adminToken: string;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    const db = await createTestDatabase(kind);
    url = db.url;
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: url, ...ADMIN_ENV, ...webhookEnv(receiver) });
    adminToken = (await login(app, TEST_ADMIN)).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.stop();
    await drop?.();
  });

  it('POSTs each event as signed JSON, the body the event itself', async () => {
    const { id } = await register(app, newUser('hook'));
    const [event] = await eventsOf(app, adminToken, id);
    await within(10_000, () => Promise.resolve(receiver.of(event.id).length > 0));
    const [delivery] = receiver.of(event.id);

    expect(JSON.parse(delivery.body)).toEqual(event);
    expect(delivery.headers['content-type']).toBe('application/json');
    const signature = delivery.headers['gatehouse-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyGatehouse(delivery.body, signature, SECRET)).toBe(true);
    // the signature covers body and time: another secret, another body or an old timestamp fail
    expect(verifyGatehouse(delivery.body, signature, randomBytes(32).toString('base64url'))).toBe(false);
    expect(verifyGatehouse(delivery.body.replace('user.registered', 'user.deleted'), signature, SECRET)).toBe(false);
    const oldTime = Math.floor(Date.now() / 1000) - 3600;
    const oldMac = createHmac('sha256', SECRET).update(`${oldTime}.${delivery.body}`).digest('hex');
    expect(verifyGatehouse(delivery.body, `t=${oldTime},v1=${oldMac}`, SECRET)).toBe(false);
  });

  it('retries a failing receiver with growing waits, the first within seconds, and then delivers', async () => {
    receiver.failNext = 2;
    const { id } = await register(app, newUser('retry'));
    const [event] = await eventsOf(app, adminToken, id);
    await within(30_000, () => Promise.resolve(receiver.of(event.id).some((d) => d.status === 204)));

    const attempts = receiver.of(event.id);
    expect(attempts.map((d) => d.status)).toEqual([500, 500, 204]);
    const [firstWait, secondWait] = [attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at];
    expect(firstWait).toBeGreaterThanOrEqual(1_500);
    expect(firstWait).toBeLessThan(5_000);
    expect(secondWait).toBeGreaterThan(firstWait);
    // every attempt is signed afresh and verifies
    for (const attempt of attempts)
      expect(verifyGatehouse(attempt.body, attempt.headers['gatehouse-signature'] as string, SECRET)).toBe(true);

    // the receiver answers before the sender records the outcome
    const rows = app.get(DataSource).getRepository(WebhookDelivery);
    await within(10_000, async () => (await rows.findOneByOrFail({ eventId: event.id })).deliveredAt !== null);
    const row = await rows.findOneByOrFail({ eventId: event.id });
    expect(row).toMatchObject({ attempts: 3, deliveredAt: expect.any(Date), lastError: null, claimToken: null });
    const metrics = (await api(app).get('/metrics')).text;
    expect(metrics).toMatch(/gatehouse_webhook_deliveries_total\{outcome="retry"\} [2-9]/);
    expect(metrics).toMatch(/gatehouse_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/gatehouse_webhook_outbox_backlog 0/);
  });

  it('never makes a request wait for a slow receiver', async () => {
    receiver.delayMs = 4_000;
    try {
      const started = Date.now();
      const { id } = await register(app, newUser('slow'));
      expect(Date.now() - started).toBeLessThan(2_000);
      const [event] = await eventsOf(app, adminToken, id);
      await within(15_000, () => Promise.resolve(receiver.of(event.id).length > 0));
    } finally {
      receiver.delayMs = 0;
    }
  });

  it('gives up 24 hours after the event, and counts it', async () => {
    receiver.failNext = 1_000;
    try {
      const { id } = await register(app, newUser('giveup'));
      const [event] = await eventsOf(app, adminToken, id);
      const rows = app.get(DataSource).getRepository(WebhookDelivery);
      await within(10_000, () => Promise.resolve(receiver.of(event.id).length > 0));
      await within(10_000, async () => (await rows.findOneByOrFail({ eventId: event.id })).attempts === 1);
      // as if that first attempt had been a day ago
      await rows.update({ eventId: event.id }, { createdAt: new Date(Date.now() - 25 * 3600_000) });
      await within(15_000, async () => (await rows.findOneByOrFail({ eventId: event.id })).abandonedAt !== null);
      const attempts = receiver.of(event.id).length;
      expect((await api(app).get('/metrics')).text).toMatch(/gatehouse_webhook_deliveries_total\{outcome="abandoned"\} [1-9]/);
      const row = await rows.findOneByOrFail({ eventId: event.id });
      expect(row).toMatchObject({ deliveredAt: null, lastError: 'HTTP 500' });
      expect(row.attempts).toBe(attempts);
    } finally {
      receiver.failNext = 0;
    }
  });

  it('delivers after a restart what was left undelivered', async () => {
    const port = receiver.port;
    await receiver.stop();
    const { id } = await register(app, newUser('restart'));
    const [event] = await eventsOf(app, adminToken, id);
    const rows = app.get(DataSource).getRepository(WebhookDelivery);
    await within(10_000, async () => (await rows.findOneByOrFail({ eventId: event.id })).attempts >= 1);
    await app.close();

    await receiver.start(port);
    app = await createTestApp({ DATABASE_URL: url, ...ADMIN_ENV, ...webhookEnv(receiver) });
    adminToken = (await login(app, TEST_ADMIN)).accessToken;
    await within(20_000, () => Promise.resolve(receiver.of(event.id).some((d) => d.status === 204)));
    expect(JSON.parse(receiver.of(event.id)[0].body)).toMatchObject({ id: event.id, type: 'user.registered', userId: id });
  });
});

describeIf(POSTGRES)('webhooks from two instances on one PostgreSQL', () => {
  /** Both senders poll often, so that they race for the same rows. */
  const racing: TestAppOptions = {
    override: (builder) => builder.overrideProvider(WEBHOOK_TIMINGS).useValue({ ...DEFAULT_WEBHOOK_TIMINGS, pollMs: 50, batchSize: 5 }),
  };
  let receiver: Receiver;
  let apps: NestFastifyApplication[] = [];
  let drop: () => Promise<void>;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    receiver.delayMs = 30;
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    apps = [
      await createTestApp({ DATABASE_URL: db.url, ...webhookEnv(receiver) }, racing),
      await createTestApp({ DATABASE_URL: db.url, ...webhookEnv(receiver) }, racing),
    ];
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await receiver?.stop();
    await drop?.();
  });

  it('delivers each event exactly once', async () => {
    const count = 40;
    await Promise.all(Array.from({ length: count }, (_, i) => register(apps[i % 2], newUser('pair'))));
    const rows = apps[0].get(DataSource).getRepository(WebhookDelivery);
    await within(30_000, async () => (await rows.count()) === count && receiver.accepted().length >= count);
    await within(30_000, async () => (await rows.find()).every((row) => row.deliveredAt !== null));

    const ids = receiver.deliveries.map((d) => d.headers['gatehouse-event-id'] as string);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    expect(receiver.deliveries.every((d) => d.status === 204)).toBe(true);
    const delivered = await Promise.all(
      apps.map(async (app) =>
        Number(/gatehouse_webhook_deliveries_total\{outcome="delivered"\} (\d+)/.exec((await api(app).get('/metrics')).text)?.[1] ?? 0),
      ),
    );
    expect(delivered[0] + delivered[1]).toBe(count);
    process.stdout.write(`  [figure] deliveries by instance: ${delivered.join(' / ')}\n`);
  });
});
