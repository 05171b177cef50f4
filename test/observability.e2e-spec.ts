import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { REDIS } from '../src/redis/redis.module';
import { api, bearer, decodeJwt, login, newUser, register, registerAndLogin } from './support/http';
import { forgeAccessToken, Subject } from './support/jwt-forge';
import { describeIf, POSTGRES, REDIS as REDIS_NEEDED } from './support/requirements';
import { createTestApp, createTestDatabase, DatabaseKind, TestAppOptions, testDatabases } from './support/test-app';

// Headers, CORS, request ids, readiness, metrics and logs (issue 4). One app at a time: passport is process-wide.

const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/auth/me';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ANY_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

type Reply = { status: number; body: unknown; headers: Record<string, string> };

function expectError(response: Reply, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, code, message: expect.anything(), error: expect.any(String) },
  });
}

/** A fresh database and an app on it for the enclosing describe. */
function appOn(kind: DatabaseKind, env: Record<string, string>, options?: TestAppOptions) {
  const ctx = {} as { app: NestFastifyApplication; drop: () => Promise<void> };
  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    ctx.drop = db.drop;
    ctx.app = await createTestApp({ DATABASE_URL: db.url, ...env }, options);
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.drop?.();
  });
  return ctx;
}

/** A token signed with some other secret: well-formed, but a forgery. */
function forgedToken(accessToken: string): string {
  const { payload } = decodeJwt(accessToken);
  const subject = { sub: payload.sub, username: payload.username, roles: payload.roles, sid: payload.sid } as Subject;
  return forgeAccessToken(subject, { secret: randomBytes(32).toString('base64url') });
}

/** helmet's headers for rendered pages, which JSON answers do without. */
const PAGE_ONLY_HEADERS = [
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
  'origin-agent-cluster',
  'referrer-policy',
  'cross-origin-opener-policy',
];

describe('security headers and CORS (CORS_ORIGINS=https://app.example)', () => {
  const ctx = appOn('sqlite', { CORS_ORIGINS: 'https://app.example' });

  it.each([
    ['GET', '/health/live', 200],
    ['GET', ME, 401],
    ['POST', LOGIN, 400],
    ['GET', '/api/v1/nothing-here', 404],
  ])('%s %s (%i) has nosniff, no X-Powered-By, and a CSP that lets nothing load or frame it', async (method, path, status) => {
    const response = await (method === 'GET' ? api(ctx.app).get(path) : api(ctx.app).post(path).send({}));
    expect(response.status).toBe(status);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(response.headers['cache-control']).toBe('no-store');
    // The headers that only mean something to a rendered page stay off JSON answers (README, "Security").
    for (const pageOnly of PAGE_ONLY_HEADERS) expect(response.headers[pageOnly]).toBeUndefined();
  });

  it("keeps helmet's page headers for Swagger UI, and lets the JWKS be cached", async () => {
    const docs = await api(ctx.app).get('/docs');
    for (const pageOnly of PAGE_ONLY_HEADERS) expect(docs.headers[pageOnly]).toBeDefined();
    const jwks = await api(ctx.app).get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
  });

  it('serves /docs with a CSP that allows no remote or inline script, and Swagger UI loads only its own scripts', async () => {
    const docs = await api(ctx.app).get('/docs');
    expect(docs.status).toBe(200);
    const csp = Object.fromEntries(
      String(docs.headers['content-security-policy'])
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources]),
    );
    for (const directive of ['script-src', 'default-src']) {
      expect(csp[directive]).toBeDefined();
      for (const source of csp[directive]) expect(source).toMatch(/^'(self|none|nonce-[^']+|sha(256|384|512)-[^']+)'$/);
    }
    const scripts = [...docs.text.matchAll(/<script\b([^>]*)>/g)].map((m) => /\bsrc="([^"]+)"/.exec(m[1])?.[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).toBeDefined(); // an inline script would be blocked by script-src 'self'
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const script = await api(ctx.app).get(new URL(src!, 'http://host/docs').pathname);
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
    }
  });

  it('echoes a plain X-Request-Id and makes a UUID when there is none', async () => {
    expect((await api(ctx.app).get('/health/live').set('x-request-id', 'client-req.42_A')).headers['x-request-id']).toBe('client-req.42_A');
    const made = (await api(ctx.app).get('/health/live')).headers['x-request-id'];
    expect(made).toMatch(UUID);
    expect((await api(ctx.app).get('/health/live')).headers['x-request-id']).not.toBe(made);
  });

  it.each([
    ['spaces', 'id with spaces'],
    ['a tab', 'id\twith-tab'],
    ['JSON', '"},{"level":60,"msg":"forged'],
    ['65 characters', 'a'.repeat(65)],
  ])('replaces an X-Request-Id with %s by a fresh UUID', async (_name, given) => {
    const response = await api(ctx.app).get('/health/live').set('x-request-id', given);
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('replaces an X-Request-Id that smuggles a line break (raw HTTP)', async () => {
    const raw = await rawRequest(ctx.app, 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\n def\r\nConnection: close\r\n\r\n');
    const header = /^x-request-id: (.*)$/im.exec(raw)?.[1]?.trim();
    // Either the server refuses the folded header outright (400) or it answers with an id of its own.
    if (header !== undefined) expect(header).toMatch(UUID);
    else expect(raw).toMatch(/^HTTP\/1\.1 400/);
  });

  it('answers a preflight from an allowed origin with credentials, and gives nothing to another', async () => {
    const preflight = (origin: string) =>
      api(ctx.app)
        .options(LOGIN)
        .set('origin', origin)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'content-type, x-token-transport');
    const allowed = await preflight('https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
      'access-control-allow-headers': 'Content-Type, Authorization, X-CSRF-Token, X-Token-Transport',
      vary: 'Origin',
    });
    const corsHeaders = (headers: Record<string, string>) => Object.keys(headers).filter((name) => name.startsWith('access-control-'));
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example', 'null', '*']) {
      const refused = await preflight(origin);
      expect(corsHeaders(refused.headers)).toEqual([]);
      expect(refused.status).toBe(404);
    }
    const simple = await api(ctx.app).get('/health/live').set('origin', 'https://evil.example');
    expect(corsHeaders(simple.headers)).toEqual([]);
    const allowedSimple = await api(ctx.app).get('/health/live').set('origin', 'https://app.example');
    expect(allowedSimple.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-credentials': 'true',
    });
  });
});

describe('no CORS without CORS_ORIGINS', () => {
  const ctx = appOn('sqlite', {});

  it('allows no origin', async () => {
    const preflight = await api(ctx.app).options(LOGIN).set('origin', 'https://app.example').set('access-control-request-method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await api(ctx.app).get('/health/live').set('origin', 'https://app.example');
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});

/** Sends raw bytes to the app's server and returns what came back. */
async function rawRequest(app: NestFastifyApplication, text: string): Promise<string> {
  const server = app.getHttpServer();
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** A TCP proxy to PostgreSQL that a test can cut: an outage as the app sees it. */
async function startProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

describe.each(testDatabases())('GET /health/ready on %s', (kind) => {
  describe('with the database up', () => {
    const ctx = appOn(kind, {});
    it('answers 200 naming the database', async () => {
      const response = await api(ctx.app).get('/health/ready');
      expect(response.status).toBe(200);
      expect(response.body).toEqual(
        expect.objectContaining({ status: 'ok', info: { database: expect.objectContaining({ status: 'up' }) } }),
      );
    });
  });

  describe('with Redis configured but unreachable', () => {
    // Every Redis client the app asks to quit, so that a shutdown stuck on one can be cut loose and Jest can end.
    const spyOnQuit = () => jest.spyOn(Redis.prototype, 'quit');
    let quit: ReturnType<typeof spyOnQuit> | undefined;
    let app: NestFastifyApplication | undefined;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      quit = spyOnQuit();
      const db = await createTestDatabase(kind);
      drop = db.drop;
      app = await createTestApp({ DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(async () => {
      await app?.close();
      await drop?.();
      quit?.mockRestore();
    }, 20_000);

    it('answers 503 SERVICE_UNAVAILABLE naming redis (and only redis), quickly', async () => {
      const start = performance.now();
      const response = await api(app!).get('/health/ready');
      expect(performance.now() - start).toBeLessThan(3000);
      expectError(response, 503, 'SERVICE_UNAVAILABLE');
      expect((response.body as { message: string }).message).toMatch(/redis/i);
      expect((response.body as { message: string }).message).not.toMatch(/database/i);
    });

    it('still shuts down within 5 s', async () => {
      const closing = app!;
      app = undefined;
      const closed = await Promise.race([closing.close().then(() => true), sleep(5000).then(() => false)]);
      if (!closed) {
        // A client stuck in quit() never settles: stop the reconnect timers and the pool by hand so Jest can end.
        for (const client of [closing.get<Redis>(REDIS), ...quit!.mock.contexts]) (client as Redis).disconnect();
        await closing.get(DataSource).destroy();
      }
      expect(closed).toBe(true); // app.close() settled within 5 s
    }, 15_000);
  });

  describeIf(REDIS_NEEDED)('with Redis up', () => {
    const ctx = appOn(kind, { REDIS_URL: process.env.TEST_REDIS_URL! });
    it('answers 200 naming the database and redis (once connected)', async () => {
      let response = await api(ctx.app).get('/health/ready');
      for (const deadline = Date.now() + 2000; response.status !== 200 && Date.now() < deadline; await sleep(50)) {
        response = await api(ctx.app).get('/health/ready');
      }
      expect(response.status).toBe(200);
      expect(response.body.info).toEqual({
        database: expect.objectContaining({ status: 'up' }),
        redis: expect.objectContaining({ status: 'up' }),
      });
    });
  });
});

describeIf(POSTGRES)('GET /health/ready when PostgreSQL goes away', () => {
  let app: NestFastifyApplication | undefined;
  let drop: (() => Promise<void>) | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    const url = new URL(db.url);
    proxy = await startProxy(Number(url.port || 5432));
    Object.assign(url, { hostname: '127.0.0.1', port: String(proxy.port) });
    app = await createTestApp({ DATABASE_URL: url.toString() });
  }, 20_000);
  afterAll(async () => {
    proxy?.cut();
    await app?.close();
    await drop?.();
  }, 30_000);

  it('answers 200, then 503 SERVICE_UNAVAILABLE naming the database within a few seconds of the cut', async () => {
    expect((await api(app!).get('/health/ready')).status).toBe(200);
    proxy.cut();
    const start = performance.now();
    const response = await api(app!).get('/health/ready');
    expect(performance.now() - start).toBeLessThan(5000);
    expectError(response, 503, 'SERVICE_UNAVAILABLE');
    expect((response.body as { message: string }).message).toMatch(/database/i);
  }, 20_000);
});

/** The value of one sample in Prometheus text (0 when absent): the series named `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

describe.each(testDatabases())('GET /metrics on %s', (kind) => {
  const ctx = appOn(kind, {});
  const scrape = async () => {
    const response = await api(ctx.app).get('/metrics');
    expect(response.status).toBe(200);
    return response.text;
  };

  it('is Prometheus text with the request, login, token and session metrics and Node defaults', async () => {
    const response = await api(ctx.app).get('/metrics');
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, type] of [
      ['gatehouse_http_requests_total', 'counter'],
      ['gatehouse_http_request_duration_seconds', 'histogram'],
      ['gatehouse_logins_total', 'counter'],
      ['gatehouse_token_rejections_total', 'counter'],
      ['gatehouse_active_sessions', 'gauge'],
      ['process_cpu_user_seconds_total', 'counter'],
    ]) {
      expect(response.text).toContain(`# TYPE ${name} ${type}`);
    }
  });

  it('counts a failed login, a successful one and a forged token by outcome and code', async () => {
    const { user } = await register(ctx.app, newUser('metrics'));
    const before = await scrape();
    expectError(
      await api(ctx.app).post(LOGIN).send({ username: user.username, password: 'wrong password 123' }),
      401,
      'INVALID_CREDENTIALS',
    );
    const tokens = await login(ctx.app, user);
    expectError(
      await api(ctx.app)
        .get(ME)
        .set(bearer(forgedToken(tokens.accessToken))),
      401,
      'TOKEN_INVALID',
    );
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('gatehouse_logins_total', { outcome: 'invalid_credentials' })).toBe(1);
    expect(delta('gatehouse_logins_total', { outcome: 'success' })).toBe(1);
    expect(delta('gatehouse_logins_total', { outcome: 'locked' })).toBe(0);
    expect(delta('gatehouse_token_rejections_total', { code: 'TOKEN_INVALID' })).toBe(1);
    expect(delta('gatehouse_http_requests_total', { method: 'POST', route: LOGIN, status: '401' })).toBe(1);
  });

  it('labels requests with route templates, never with ids from the URL', async () => {
    const { id, tokens } = await registerAndLogin(ctx.app, newUser('routes'));
    const stranger = randomUUID();
    expect((await api(ctx.app).get(`/api/v1/users/${id}`).set(bearer(tokens.accessToken))).status).toBe(200);
    expect((await api(ctx.app).get(`/api/v1/users/${stranger}`).set(bearer(tokens.accessToken))).status).toBe(403);
    expect((await api(ctx.app).get(`/api/v1/no-such-thing/${stranger}?q=${stranger}`)).status).toBe(404);
    const text = await scrape();
    expect(
      sample(text, 'gatehouse_http_requests_total', { method: 'GET', route: '/api/v1/users/:id', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'gatehouse_http_requests_total', { method: 'GET', route: '/api/v1/users/:id', status: '403' }),
    ).toBeGreaterThanOrEqual(1);
    const series = text.split('\n').filter((line) => line.startsWith('gatehouse_http_'));
    expect(series.filter((line) => ANY_UUID.test(line) || line.includes('no-such-thing'))).toEqual([]);
  });

  it('reports active sessions: one more after a login, one fewer after its logout', async () => {
    const before = sample(await scrape(), 'gatehouse_active_sessions');
    const { tokens } = await registerAndLogin(ctx.app, newUser('gauge'));
    expect(sample(await scrape(), 'gatehouse_active_sessions')).toBe(before + 1);
    expect((await api(ctx.app).post('/api/v1/auth/logout').set(bearer(tokens.accessToken))).status).toBe(204);
    expect(sample(await scrape(), 'gatehouse_active_sessions')).toBe(before);
  });
});

describe('JSON logs (SQLite, LOG_LEVEL=info)', () => {
  const lines: string[] = [];
  const destination = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
  const ctx = appOn('sqlite', { LOG_LEVEL: 'info' }, { logDestination: destination });
  type Line = Record<string, unknown> & { level: number; requestId?: string; msg?: string };
  /** Runs `work` and returns the lines logged meanwhile, each parsed (every line must be JSON). */
  const during = async <T>(work: () => Promise<T>): Promise<{ result: T; logged: Line[]; text: string }> => {
    lines.length = 0;
    const result = await work();
    await new Promise((resolve) => setImmediate(resolve));
    const logged = lines.map((line) => JSON.parse(line) as Line);
    for (const line of logged) expect(line).toEqual(expect.objectContaining({ service: 'gatehouse', level: expect.any(Number) }));
    return { result, logged, text: lines.join('\n') };
  };

  it('logs a forged token at warn with its code, and never the token, the cookie or the x-access-token', async () => {
    const { tokens } = await registerAndLogin(ctx.app, newUser('logs'));
    const forged = forgedToken(tokens.accessToken);
    const cookie = `session=${randomBytes(12).toString('hex')}`;
    const { result, logged, text } = await during(async () => [
      await api(ctx.app).get(ME).set(bearer(forged)).set('cookie', cookie),
      await api(ctx.app).get(ME).set('x-access-token', forged),
    ]);
    for (const response of result) {
      expectError(response, 401, 'TOKEN_INVALID');
      expect(logged).toContainEqual(
        expect.objectContaining({ level: 40, code: 'TOKEN_INVALID', requestId: response.headers['x-request-id'] }),
      );
    }
    for (const secret of [forged, forged.split('.')[1], forged.split('.')[2], cookie]) expect(text).not.toContain(secret);
  });

  it('writes login audit events with user id, address and outcome, and never the password or the tokens', async () => {
    const { user, id } = await register(ctx.app, newUser('audit'));
    const failed = await during(() =>
      api(ctx.app)
        .post(LOGIN)
        .send({ username: user.username, password: `${user.password}-wrong` }),
    );
    expect(failed.result.status).toBe(401);
    expect(failed.logged).toContainEqual(
      expect.objectContaining({
        level: 40,
        event: 'login',
        outcome: 'invalid_credentials',
        userId: id,
        ip: expect.stringContaining('127.0.0.1'),
      }),
    );
    const ok = await during(() => login(ctx.app, user));
    expect(ok.logged).toContainEqual(
      expect.objectContaining({ level: 30, event: 'login', outcome: 'success', userId: id, ip: expect.stringContaining('127.0.0.1') }),
    );
    const refreshed = await during(() => api(ctx.app).post('/api/v1/auth/refresh').send({ refreshToken: ok.result.refreshToken }));
    expect(refreshed.result.status).toBe(200);
    const text = [failed.text, ok.text, refreshed.text].join('\n');
    for (const secret of [user.password, ok.result.accessToken, ok.result.refreshToken, refreshed.result.body.refreshToken]) {
      expect(text).not.toContain(secret);
    }
  });

  it.each([
    ['a request id of its own', undefined],
    ['the client request id', 'trace-7f3a.client_1'],
  ])('puts %s on every line of a request, as in X-Request-Id', async (_name, given) => {
    const { user } = await register(ctx.app, newUser('reqid'));
    const request = api(ctx.app).post(LOGIN).send({ username: user.username, password: 'wrong password 123' });
    const { result, logged } = await during(() => (given ? request.set('x-request-id', given) : request));
    const id = result.headers['x-request-id'];
    if (given) expect(id).toBe(given);
    expect(logged.length).toBeGreaterThanOrEqual(2); // the audit event and the access line at least
    expect(logged.map((line) => line.requestId)).toEqual(logged.map(() => id));
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'request completed', route: LOGIN, statusCode: 401 }));
  });
});
