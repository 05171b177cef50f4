import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { ADMIN_ENV, api, bearer, login, register, TEST_ADMIN } from './support/http';
import { rawExchange } from './support/raw-http';
import { createTestApp, createTestDatabase } from './support/test-app';

// What outside tools (sqlmap, slowhttptest, an OpenAPI fuzzer) found to break "bad input gets a 4xx with a stable
// code, never a 500; nothing is lost". Each case was a 500, a silent collision, a connection held for ever, or an
// answer from Fastify or Node without our headers, body, log line or count.

interface Line {
  level: number;
  msg: string;
  context?: string;
  statusCode?: number;
  reason?: string;
  requestId?: string;
}

const SECURITY_HEADERS = ['x-content-type-options', 'content-security-policy', 'strict-transport-security', 'x-frame-options'];

describe('hostile input (SQLite)', () => {
  let app: NestFastifyApplication;
  let port: number;
  const lines: string[] = [];
  const logged = () => lines.map((line) => JSON.parse(line) as Line);

  beforeAll(async () => {
    const database = await createTestDatabase('sqlite');
    app = await createTestApp(
      { DATABASE_URL: database.url, LOG_LEVEL: 'info', HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '2', KEEP_ALIVE_TIMEOUT: '20', ...ADMIN_ENV },
      { logDestination: { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) } },
    );
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(() => {
    lines.length = 0;
  });

  const errorLines = () => logged().filter((line) => line.level >= 50);
  /** Bytes as they are: supertest would serialize a Buffer as JSON. */
  const post = async (path: string, body: string | Buffer) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: (await response.json()) as { code?: string; message?: unknown } };
  };

  describe('lone UTF-16 surrogates (validator calls encodeURI, which throws on them)', () => {
    it.each([
      ['register', '/api/v1/auth/register', '{"username":"surr1","email":"\\ud800@example.com","password":"correct horse battery staple"}'],
      ['password/forgot', '/api/v1/auth/password/forgot', '{"email":"\\udfff@example.com"}'],
      ['login', '/api/v1/auth/login', '{"username":"surr2\\ud800","password":"correct horse battery staple"}'],
    ])('answers %s 400 VALIDATION_FAILED, not 500, and logs no error', async (_, path, body) => {
      const response = await post(path, body);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', message: [expect.stringMatching(/well-formed Unicode/)] });
      expect(errorLines()).toEqual([]);
    });

    it("answers an admin's PATCH /users/:id 400 and changes nothing", async () => {
      const { id, user } = await register(app);
      const admin = await login(app, TEST_ADMIN);

      const response = await api(app)
        .patch(`/api/v1/users/${id}`)
        .set({ ...bearer(admin.accessToken), 'content-type': 'application/json' })
        .send('{"email":"\\ud800@example.com"}');

      expect([response.status, response.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const after = await api(app).get(`/api/v1/users/${id}`).set(bearer(admin.accessToken));
      expect(after.body.email).toBe(user.email);
    });

    it('answers a query string whose escapes are not UTF-8 without a 500', async () => {
      const admin = await login(app, TEST_ADMIN);

      const response = await api(app).get('/api/v1/users?search=%ED%A0%80').set(bearer(admin.accessToken));

      expect([response.status, response.body.total]).toEqual([200, 0]);
      expect(errorLines()).toEqual([]);
    });
  });

  describe('different passwords never become the same string', () => {
    it('refuses invalid UTF-8 (FF FE FD) at registration, so C0 C1 F5 cannot log in with it', async () => {
      const body = (bytes: number[]) =>
        Buffer.concat([
          Buffer.from('{"username":"utf8_victim","email":"utf8_victim@example.com","password":"pw horse '),
          Buffer.from(bytes),
          Buffer.from('"}'),
        ]);

      const registered = await post('/api/v1/auth/register', body([0xff, 0xfe, 0xfd]));
      expect([registered.status, registered.body.code, registered.body.message]).toEqual([
        400,
        'MALFORMED_JSON',
        'The request body is not valid UTF-8',
      ]);

      const loginBody = Buffer.concat([
        Buffer.from('{"username":"utf8_victim","password":"pw horse '),
        Buffer.from([0xc0, 0xc1, 0xf5]),
        Buffer.from('"}'),
      ]);
      const loggedIn = await post('/api/v1/auth/login', loginBody);
      expect([loggedIn.status, loggedIn.body.code]).toEqual([400, 'MALFORMED_JSON']);
      // Nothing was stored: the name is still free.
      const again = await post(
        '/api/v1/auth/register',
        '{"username":"utf8_victim","email":"utf8_victim@example.com","password":"pw horse battery staple"}',
      );
      expect(again.status).toBe(201);
    });

    it('refuses a password holding \\ud800, so \\udfff cannot log in with it', async () => {
      const registered = await post(
        '/api/v1/auth/register',
        '{"username":"surr_victim","email":"surr_victim@example.com","password":"pw horse battery \\ud800"}',
      );
      expect([registered.status, registered.body.code]).toEqual([400, 'VALIDATION_FAILED']);

      const loggedIn = await post('/api/v1/auth/login', '{"username":"surr_victim","password":"pw horse battery \\udfff"}');
      expect([loggedIn.status, loggedIn.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    });

    it('still takes any well-formed text, astral characters included', async () => {
      const password = 'pw 🔑 ключ 鍵 horse';
      await register(app, { username: 'astral_user', email: 'astral_user@example.com', password });

      expect((await login(app, { username: 'astral_user', password })).accessToken).toEqual(expect.any(String));
    });
  });

  describe('slow clients (HEADERS_TIMEOUT=1s, REQUEST_TIMEOUT=2s)', () => {
    it('answers a body trickled a byte at a time 408 REQUEST_TIMEOUT and closes the connection', async () => {
      const answer = await rawExchange(
        port,
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
        { trickle: 'a', trickleEveryMs: 100 },
      );

      expect([answer.status, JSON.parse(answer.body).code, answer.closed]).toEqual([408, 'REQUEST_TIMEOUT', true]);
      // Node checks its timers once a second (connectionsCheckingInterval): the cut comes after 2 s, well before 10.
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(1500);
      expect(answer.elapsedMs).toBeLessThan(10_000);
    });

    it('answers headers trickled a line at a time 408 and closes the connection', async () => {
      const answer = await rawExchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n', { trickle: 'X-Slow: 1\r\n', trickleEveryMs: 100 });

      expect([answer.status, JSON.parse(answer.body).code, answer.closed]).toEqual([408, 'REQUEST_TIMEOUT', true]);
      expect(answer.elapsedMs).toBeLessThan(10_000);
    });

    it('leaves an idle keep-alive connection alone for longer than the request timeout', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = () =>
        new Promise<{ status: number; socket: Socket }>((resolve, reject) => {
          const request = http.get({ host: '127.0.0.1', port, path: '/health/live', agent }, (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode!, socket: response.socket }));
          });
          request.on('error', reject);
        });

      const first = await get();
      await new Promise((resolve) => setTimeout(resolve, 3500));
      const second = await get();
      agent.destroy();

      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.socket).toBe(first.socket);
    });
  });

  describe('answers from the router and the HTTP parser', () => {
    const long = 'a'.repeat(120);
    it.each([
      ['a bad URL escape', `GET /api/v1/users/%ff HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'BAD_REQUEST', 'refused'],
      ['a path parameter over 100 characters', `GET /api/v1/users/${long} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'URI_TOO_LONG', 'refused'],
      [
        '20 kB of headers',
        `GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'HEADERS_TOO_LARGE',
        'parser',
      ],
      ['a request line that is not HTTP', 'HELLO WORLD\r\n\r\n', 400, 'BAD_REQUEST', 'parser'],
      ['a header without a colon', 'GET /health/live HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n', 400, 'BAD_REQUEST', 'parser'],
      ['a bare LF in the request line', 'GET /health/live HTTP/1.1\nHost: x\r\n\r\n', 400, 'BAD_REQUEST', 'parser'],
    ])('answers %s with the API.md body, our headers and a request id, echoing nothing', async (_, bytes, status, code) => {
      const answer = await rawExchange(port, bytes);

      expect(answer.status).toBe(status);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      expect(body).toEqual({ statusCode: status, code, message: expect.any(String), error: expect.any(String) });
      expect(answer.body).not.toMatch(/users\/|%ff|aaaa|HELLO|Broken/);
      for (const header of SECURITY_HEADERS) expect([header, answer.headers[header]]).toEqual([header, expect.any(String)]);
      expect(answer.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
      expect(answer.headers['x-powered-by']).toBeUndefined();
    });

    it('logs each refusal with its request id and counts it in /metrics', async () => {
      const metricsBefore = await api(app).get('/metrics');
      const count = (text: string, status: number) =>
        Number(
          new RegExp(`gatehouse_http_requests_total\\{method="[^"]+",route="unmatched",status="${status}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
        );

      const refusals = await Promise.all([
        rawExchange(port, 'GET /api/v1/users/%ff HTTP/1.1\r\nHost: x\r\n\r\n'),
        rawExchange(port, `GET /api/v1/users/${long} HTTP/1.1\r\nHost: x\r\n\r\n`),
        rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      ]);

      const metricsAfter = (await api(app).get('/metrics')).text;
      for (const status of [400, 414, 431])
        expect([status, count(metricsAfter, status) - count(metricsBefore.text, status)]).toEqual([status, 1]);
      const refused = logged().filter((line) => line.msg.startsWith('request refused'));
      expect(refused.map((line) => line.requestId).sort()).toEqual(refusals.map((answer) => answer.headers['x-request-id']).sort());
      expect(refused.map((line) => line.reason).sort()).toEqual(['FST_ERR_BAD_URL', 'FST_ERR_MAX_PARAM_LENGTH', 'HPE_HEADER_OVERFLOW']);
      expect(errorLines()).toEqual([]);
    });
  });
});

describe('start-up log', () => {
  it('names the operational routes without the /api prefix they do not have', async () => {
    const lines: string[] = [];
    const database = await createTestDatabase('sqlite');
    const app = await createTestApp(
      { DATABASE_URL: database.url, LOG_LEVEL: 'info' },
      { logDestination: { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) } },
    );
    await app.close();

    const text = lines.join('\n');
    expect(text).toContain('Mapped {/health/live, GET}');
    expect(text).toContain('Mapped {/api/auth/login, POST}');
    expect(text).not.toMatch(/\/api\/(health|metrics|\.well-known)/);
  });
});
