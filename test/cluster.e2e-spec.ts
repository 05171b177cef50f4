import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from './support/test-app';
import { Instance, within } from './support/instance';
import { TcpProxy } from './support/tcp-proxy';
import { newUser } from './support/http';
import { describeIf, itIf, POSTGRES, REDIS as REDIS_NEEDED } from './support/requirements';

// Several instances as production runs them (separate processes from dist/), sharing the machine's PostgreSQL and,
// where set, Redis: DESIGN.md "Scaling out" and "Failure behaviour". Figures are printed for the closing notes.
const REDIS = process.env.TEST_REDIS_URL;
const POLL_SECONDS = 1;

jest.setTimeout(60_000);

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(instance: Instance, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...(options.token && { authorization: `Bearer ${options.token}` }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function signUp(instance: Instance): Promise<{ username: string; password: string; accessToken: string; refreshToken: string }> {
  const user = newUser('cluster');
  expect((await call(instance, 'POST', '/api/v1/auth/register', { body: user })).status).toBe(201);
  const login = await call(instance, 'POST', '/api/v1/auth/login', { body: { username: user.username, password: user.password } });
  expect(login.status).toBe(200);
  return { ...user, accessToken: login.body.accessToken as string, refreshToken: login.body.refreshToken as string };
}

const me = (instance: Instance, token: string) => call(instance, 'GET', '/api/v1/auth/me', { token });

function report(figure: string): void {
  process.stdout.write(`  [figure] ${figure}\n`);
}

describeIf(POSTGRES)('two instances on one PostgreSQL', () => {
  describe.each([
    ['polling the sessions table', false],
    ['Redis pub/sub', true],
  ])('revocations by %s', (_, useRedis) => {
    const run = useRedis ? itIf(REDIS_NEEDED) : it;
    let a: Instance;
    let b: Instance;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      if (useRedis && !REDIS) return;
      const db = await createTestDatabase('postgres');
      drop = db.drop;
      const env = { DATABASE_URL: db.url, REVOCATION_POLL_SECONDS: String(POLL_SECONDS), ...(useRedis && { REDIS_URL: REDIS! }) };
      a = await Instance.start(env);
      b = await Instance.start(env);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await drop?.();
    });

    run('a token logged out on A is refused on B within the bound', async () => {
      const user = await signUp(a);
      expect((await me(b, user.accessToken)).status).toBe(200);
      expect((await call(a, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(204);
      const bound = useRedis ? 1000 : POLL_SECONDS * 1000 + 1000;
      const ms = await within(bound, async () => (await me(b, user.accessToken)).status === 401);
      report(`revocation on A refused on B after ${ms} ms (${useRedis ? 'Redis' : `polling every ${POLL_SECONDS}s`})`);
      expect((await me(b, user.accessToken)).body.code).toBe('TOKEN_REVOKED');
    });

    run('a refresh token spent on A, then its successor, cannot be spent on B', async () => {
      const user = await signUp(a);
      const first = await call(a, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
      expect(first.status).toBe(200);
      const second = await call(a, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
      expect(second.status).toBe(200);
      const replay = await call(b, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
      expect(replay).toMatchObject({ status: 401, body: { code: 'REFRESH_TOKEN_REUSED' } });
      // Reuse ended the session everywhere, the newest refresh token included.
      expect((await call(a, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: second.body.refreshToken } })).status).toBe(401);
    });

    run('8 refreshes of one token at once, spread over A and B, all land on one chain', async () => {
      const user = await signUp(a);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          call(i % 2 ? b : a, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } }),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
      const successors = new Set(answers.map((r) => r.body.refreshToken));
      expect(successors.size).toBe(1);
      expect(successors.has(user.refreshToken)).toBe(false);
      for (const [i, answer] of answers.entries()) expect((await me(i % 2 ? a : b, answer.body.accessToken as string)).status).toBe(200);
      const next = await call(b, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: [...successors][0] } });
      expect(next.status).toBe(200);
    });
  });

  describe('without a grace window (REFRESH_REUSE_GRACE_SECONDS=0)', () => {
    let a: Instance;
    let b: Instance;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const db = await createTestDatabase('postgres');
      drop = db.drop;
      const env = { DATABASE_URL: db.url, REFRESH_REUSE_GRACE_SECONDS: '0' };
      [a, b] = await Promise.all([Instance.start(env), Instance.start(env)]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await drop?.();
    });

    it('spends a refresh token exactly once among 8 refreshes at once over A and B', async () => {
      const user = await signUp(a);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          call(i % 2 ? b : a, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } }),
        ),
      );
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of answers.filter((r) => r.status !== 200)) {
        expect([r.status, ['REFRESH_TOKEN_REUSED', 'REFRESH_TOKEN_INVALID'].includes(r.body.code as string)]).toEqual([401, true]);
      }
    });
  });
});

describeIf(POSTGRES, REDIS_NEEDED)('the per-address limit across instances', () => {
  const LIMIT = 5;
  // A client address of this run only, so parallel or repeated runs never share a counter.
  const ip = () => `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
  let redis: Redis;
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  const used: string[] = [];

  beforeAll(async () => {
    redis = new Redis(REDIS!);
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    env = { DATABASE_URL: db.url, AUTH_RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1' };
  });
  afterAll(async () => {
    if (used.length > 0) await redis.del(...used.map((address) => `gatehouse:rate:auth:${address}`));
    redis?.disconnect();
    await drop?.();
  });

  /** One public auth request (a refresh with a token that cannot be valid) from `address`. */
  const spend = (instance: Instance, address: string) =>
    fetch(`${instance.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ refreshToken: 'not-a-refresh-token' }),
    });

  it('counts one address over two instances together through Redis', async () => {
    const address = ip();
    used.push(address);
    const [a, b] = [await Instance.start({ ...env, REDIS_URL: REDIS! }), await Instance.start({ ...env, REDIS_URL: REDIS! })];
    try {
      const statuses = [];
      for (let i = 0; i < LIMIT; i++) statuses.push((await spend(i % 2 ? b : a, address)).status);
      expect(statuses).toEqual(Array(LIMIT).fill(401));
      for (const instance of [a, b]) {
        const refused = await spend(instance, address);
        expect([refused.status, ((await refused.json()) as Answer['body']).code]).toEqual([429, 'TOO_MANY_REQUESTS']);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('counts in memory while Redis is away instead of failing the request', async () => {
    const redisProxy = await new TcpProxy(Number(new URL(REDIS!).port || 6379)).start();
    const viaProxy = new URL(REDIS!);
    viaProxy.port = String(redisProxy.port);
    const instance = await Instance.start({ ...env, REDIS_URL: viaProxy.toString() });
    try {
      await redisProxy.cut();
      const address = ip();
      const statuses = [];
      for (let i = 0; i <= LIMIT; i++) statuses.push((await spend(instance, address)).status);
      expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    } finally {
      await instance.stop();
      await redisProxy.cut();
    }
  });
});

describeIf(POSTGRES)('outages', () => {
  let postgresProxy: TcpProxy;
  let a: Instance;
  let drop: () => Promise<void>;
  let url: URL;

  beforeAll(async () => {
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    url = new URL(db.url);
    postgresProxy = await new TcpProxy(Number(url.port || 5432)).start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(postgresProxy.port);
    a = await Instance.start({ DATABASE_URL: viaProxy.toString(), REVOCATION_POLL_SECONDS: String(POLL_SECONDS) });
  });
  afterAll(async () => {
    await postgresProxy?.cut();
    await a?.stop();
    await drop?.();
  });

  it('answers 503 while PostgreSQL is away, keeps serving guarded routes, and recovers by itself', async () => {
    const user = await signUp(a);
    expect((await me(a, user.accessToken)).status).toBe(200);

    await postgresProxy.cut();
    const started = Date.now();
    const login = await call(a, 'POST', '/api/v1/auth/login', { body: { username: user.username, password: user.password } });
    const outageMs = Date.now() - started;
    report(`login during a PostgreSQL outage answered ${login.status} in ${outageMs} ms`);
    expect(login).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    expect(outageMs).toBeLessThan(5000);
    expect((await me(a, user.accessToken)).status).toBe(200);
    expect((await call(a, 'GET', '/health/ready')).status).toBe(503);
    // A logout that cannot be recorded is refused, never half-done: the client retries it.
    expect((await call(a, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(503);

    await postgresProxy.restore();
    const recoveryMs = await within(15_000, async () => (await call(a, 'GET', '/health/ready')).status === 200);
    report(`recovered ${recoveryMs} ms after PostgreSQL came back, with no restart`);
    expect((await call(a, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(204);
    expect((await me(a, user.accessToken)).body.code).toBe('TOKEN_REVOKED');
    const again = await call(a, 'POST', '/api/v1/auth/login', { body: { username: user.username, password: user.password } });
    expect(again.status).toBe(200);
  });

  itIf(REDIS_NEEDED)('falls back to polling while Redis is away, and back to pub/sub when it returns', async () => {
    const redisProxy = await new TcpProxy(Number(new URL(REDIS!).port || 6379)).start();
    const viaProxy = new URL(REDIS!);
    viaProxy.port = String(redisProxy.port);
    const env = { DATABASE_URL: url.toString(), REVOCATION_POLL_SECONDS: String(POLL_SECONDS), LOG_LEVEL: 'info' };
    // C and D reach Redis through the proxy and lose it; E keeps it, so it goes on listening and hears nothing of C's
    // revocations while C is cut off: polling must cover E too.
    const [c, d, e] = [
      await Instance.start({ ...env, REDIS_URL: viaProxy.toString() }),
      await Instance.start({ ...env, REDIS_URL: viaProxy.toString() }),
      await Instance.start({ ...env, REDIS_URL: REDIS! }),
    ];
    const refused = (instance: Instance, token: string) => async () => (await me(instance, token)).status === 401;
    try {
      const user = await signUp(c);
      await redisProxy.cut();
      expect((await call(c, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(204);
      const bound = POLL_SECONDS * 1000 + 2000;
      const polledMs = await within(bound, refused(d, user.accessToken));
      report(`with Redis away, a revocation reached the other instance by polling in ${polledMs} ms`);
      const lostMs = await within(bound, refused(e, user.accessToken));
      report(`a revocation whose announcement was lost reached a listening instance by polling in ${lostMs} ms`);

      const mark = d.logMark;
      await redisProxy.restore();
      await within(15_000, async () => (await call(c, 'GET', '/health/ready')).status === 200);
      await within(15_000, () => Promise.resolve(d.logSince(mark).includes('revocations arrive by pub/sub')));
      const second = await signUp(c);
      expect((await call(c, 'POST', '/api/v1/auth/logout', { token: second.accessToken })).status).toBe(204);
      const pubSubMs = await within(1000, refused(d, second.accessToken));
      report(`with Redis back, a revocation reached the other instance in ${pubSubMs} ms`);
    } finally {
      await Promise.all([c.stop(), d.stop(), e.stop()]);
      await redisProxy.cut();
    }
  });
});

describe('shutdown', () => {
  it('finishes a request in flight when SIGTERM arrives, then exits', async () => {
    const db = await createTestDatabase('sqlite');
    // A slow login (bcrypt cost 12 takes a quarter of a second here) is the request in flight.
    const instance = await Instance.start({ DATABASE_URL: db.url, BCRYPT_COST: '12' });
    const user = newUser('drain');
    expect((await call(instance, 'POST', '/api/v1/auth/register', { body: user })).status).toBe(201);
    const inFlight = call(instance, 'POST', '/api/v1/auth/login', { body: { username: user.username, password: user.password } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    instance.signal('SIGTERM');
    expect((await inFlight).status).toBe(200);
    const ended = await instance.exited;
    expect(ended.code === 0 || ended.signal === 'SIGTERM').toBe(true);
  });
});
