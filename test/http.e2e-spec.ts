import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { api, ADMIN_ENV, bearer, login, newUser, TEST_ADMIN } from './support/http';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';

type Reply = { status: number; body: unknown; headers: Record<string, string> };

/** A client error in the API.md shape: 4xx, never 5xx, with statusCode, code, message and error; no stack, no SQL. */
function expectClientError(response: Reply, status: number, code?: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({
    statusCode: status,
    code: code ?? expect.stringMatching(/^[A-Z_]+$/),
    message: expect.anything(),
    error: expect.any(String),
  });
  expect(JSON.stringify(response.body)).not.toMatch(/\bat .+:\d+:\d+|SELECT |INSERT |node_modules/);
}

describe.each(testDatabases())('HTTP hardening on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url, ...ADMIN_ENV });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  const postRaw = (path: string, raw: string | Buffer, type = 'application/json') =>
    api(app).post(path).set('content-type', type).send(raw);
  const expectNoUser = async (user: { username: string; password: string }) =>
    expectClientError(await api(app).post(LOGIN).send({ username: user.username, password: user.password }), 401, 'INVALID_CREDENTIALS');

  describe('hostile bodies', () => {
    it.each([
      ['a truncated object', '{"username": "ada", "password": '],
      ['single quotes', "{'username': 'ada'}"],
      ['a trailing comma', '{"username": "ada",}'],
      ['plain words', 'hello there'],
    ])('answers 400 MALFORMED_JSON to %s', async (_name, raw) => {
      expectClientError(await postRaw(REGISTER, raw), 400, 'MALFORMED_JSON');
    });

    it('answers 413 PAYLOAD_TOO_LARGE to a JSON body over 100 kB', async () => {
      const body = JSON.stringify({ ...newUser(), padding: 'x'.repeat(101 * 1024) });
      expectClientError(await postRaw(REGISTER, body), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 400 to JSON nested 3000 levels deep (no stack overflow)', async () => {
      const deep = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
      expectClientError(await postRaw(REGISTER, deep), 400);
      const deepArray = JSON.stringify({ ...newUser(), username: JSON.parse('['.repeat(3000) + ']'.repeat(3000)) });
      expectClientError(await postRaw(REGISTER, deepArray), 400);
    });

    it('answers 400 to a "__proto__" key and creates no user', async () => {
      const user = newUser();
      const raw = `{"username":"${user.username}","email":"${user.email}","password":"${user.password}","__proto__":{"roles":["admin"]}}`;
      expectClientError(await postRaw(REGISTER, raw), 400);
      await expectNoUser(user);
    });

    it('answers 400 to a "constructor" key and creates no user', async () => {
      const user = newUser();
      const raw = JSON.stringify({ ...user, constructor: { prototype: { roles: ['admin'] } } });
      expectClientError(await postRaw(REGISTER, raw), 400);
      await expectNoUser(user);
    });

    it('answers 400 to a nested "__proto__" key on login', async () => {
      expectClientError(await postRaw(LOGIN, '{"username":{"__proto__":{"x":1}},"password":"whatever whatever"}'), 400);
    });

    it.each(['username', 'email', 'password'] as const)('answers 400 VALIDATION_FAILED to a 10 000-character %s', async (field) => {
      const user = newUser();
      const long = field === 'email' ? `${'a'.repeat(10_000)}@example.com` : 'a'.repeat(10_000);
      const response = await api(app)
        .post(REGISTER)
        .send({ ...user, [field]: long });
      expectClientError(response, 400, 'VALIDATION_FAILED');
      expect(response.body.message).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${field}\\b`))]));
      await expectNoUser(user);
    });

    it('answers 400, never 500, to a 10 000-character username or password on login', async () => {
      expectClientError(
        await api(app)
          .post(LOGIN)
          .send({ username: 'a'.repeat(10_000), password: 'whatever whatever' }),
        400,
        'VALIDATION_FAILED',
      );
      expectClientError(
        await api(app)
          .post(LOGIN)
          .send({ username: 'ada', password: 'a'.repeat(10_000) }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it.each([
      ['username', ['a', 'b']],
      ['username', { first: 'ada' }],
      ['email', ['ada@example.com']],
      ['email', { $ne: null }],
      ['password', ['correct horse battery']],
      ['password', 123456789012345],
      ['password', true],
    ])('answers 400 VALIDATION_FAILED when %s is %j', async (field, value) => {
      const response = await api(app)
        .post(REGISTER)
        .send({ ...newUser(), [field]: value });
      expectClientError(response, 400, 'VALIDATION_FAILED');
    });

    it.each(['[]', '"a string"', '42', 'null', 'true'])('answers 400, never 500, to the JSON body %s', async (raw) => {
      const response = await postRaw(REGISTER, raw);
      expect(response.status).toBe(400);
      expectClientError(response, 400);
    });

    it('answers 4xx, not 5xx, to a text/plain body and creates no user', async () => {
      const user = newUser();
      const response = await postRaw(REGISTER, JSON.stringify(user), 'text/plain');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expectClientError(response, response.status);
      await expectNoUser(user);
    });

    it('answers 4xx, not 5xx, to a form-encoded login', async () => {
      const response = await postRaw(LOGIN, 'username=ada&password=whatever', 'application/x-www-form-urlencoded');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expectClientError(response, response.status);
    });
  });

  describe('routes and headers', () => {
    it.each(['/api/v1/nothing-here', '/nothing-here', '/api/v2/auth/me', '/api/v1/auth/me/extra'])(
      'answers a JSON 404 NOT_FOUND for GET %s',
      async (path) => {
        expectClientError(await api(app).get(path), 404, 'NOT_FOUND');
      },
    );

    it('answers a JSON 404 NOT_FOUND for an unknown POST route', async () => {
      expectClientError(await api(app).post('/api/v1/auth/nothing-here').send({}), 404, 'NOT_FOUND');
    });

    const calls: Array<[string, () => ReturnType<ReturnType<typeof api>['get']>]> = [
      ['GET /health/live', () => api(app).get('/health/live')],
      ['GET an unknown route', () => api(app).get('/api/v1/nothing-here')],
      ['POST /auth/login (401)', () => api(app).post(LOGIN).send({ username: 'nobody_here', password: 'whatever whatever' })],
      ['POST /auth/register (400)', () => api(app).post(REGISTER).send({})],
      ['GET /auth/me without a token (401)', () => api(app).get('/api/v1/auth/me')],
    ];

    it.each(calls)('sends no X-Powered-By on %s', async (_name, call) => {
      expect((await call()).headers['x-powered-by']).toBeUndefined();
    });

    it('sends X-Content-Type-Options: nosniff on every response (API.md conventions)', async () => {
      const missing: string[] = [];
      for (const [name, call] of calls) if ((await call()).headers['x-content-type-options'] !== 'nosniff') missing.push(name);
      expect(missing).toEqual([]);
    });
  });

  describe('operational routes', () => {
    it('GET /health/live answers 200', async () => {
      const response = await api(app).get('/health/live').expect(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('GET /.well-known/jwks.json answers { keys: [] } under HS256, publishing no secret', async () => {
      const response = await api(app).get('/.well-known/jwks.json').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ keys: [] });
    });

    it('operational routes are not under /api/v1', async () => {
      expectClientError(await api(app).get('/api/v1/health/live'), 404, 'NOT_FOUND');
    });

    it('GET /docs serves the Swagger UI (directly or by redirect)', async () => {
      let response = await api(app).get('/docs');
      if (response.status >= 300 && response.status < 400)
        response = await api(app).get(new URL(response.headers.location, 'http://x/docs').pathname);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toMatch(/swagger/i);
    });

    it('GET /docs-json is an OpenAPI 3 document with the login path, a bearer scheme and an operationId on every operation', async () => {
      const response = await api(app).get('/docs-json').expect(200);
      const doc = response.body as {
        openapi: string;
        paths: Record<string, Record<string, { operationId?: string }>>;
        components?: { securitySchemes?: object };
      };
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.paths).toHaveProperty(['/api/v1/auth/login', 'post']);
      const schemes: unknown[] = Object.values(doc.components?.securitySchemes ?? {});
      expect(schemes).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'http', scheme: 'bearer' })]));
      const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method))
          .map(([method, op]) => ({ op: `${method.toUpperCase()} ${path}`, operationId: op.operationId })),
      );
      expect(operations.length).toBeGreaterThan(5);
      expect(operations.filter((o) => typeof o.operationId !== 'string' || o.operationId === '')).toEqual([]);
      const ids = operations.map((o) => o.operationId);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  describe('users paging and ids', () => {
    let adminToken: string;
    beforeAll(async () => {
      adminToken = (await login(app, TEST_ADMIN)).accessToken;
    });

    it('lists users a page at a time', async () => {
      const response = await api(app).get('/api/v1/users?page=1&limit=1').set(bearer(adminToken)).expect(200);
      expect(response.body).toEqual({ items: expect.any(Array), total: expect.any(Number), page: 1, limit: 1 });
      expect(response.body.items).toHaveLength(1);
      expect(JSON.stringify(response.body)).not.toMatch(/password|hash/i);
    });

    it.each(['limit=1000', 'limit=101', 'limit=0', 'limit=-1', 'limit=abc', 'page=0', 'page=1.5', 'page=abc'])(
      'answers 400 VALIDATION_FAILED to ?%s',
      async (query) => {
        expectClientError(await api(app).get(`/api/v1/users?${query}`).set(bearer(adminToken)), 400, 'VALIDATION_FAILED');
      },
    );

    it('answers 400 VALIDATION_FAILED to an unknown query parameter', async () => {
      expectClientError(await api(app).get('/api/v1/users?role=admin').set(bearer(adminToken)), 400, 'VALIDATION_FAILED');
    });

    it.each(['not-a-uuid', '1', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g'])('answers 400 to the id %j', async (id) => {
      for (const method of ['get', 'patch', 'delete'] as const) {
        const response = await api(app)
          [method](`/api/v1/users/${encodeURIComponent(id)}`)
          .set(bearer(adminToken))
          .send(method === 'patch' ? { disabled: false } : undefined);
        expectClientError(response, 400, 'VALIDATION_FAILED');
      }
    });

    it('answers 404 USER_NOT_FOUND to a well-formed id that names no user', async () => {
      expectClientError(
        await api(app).get('/api/v1/users/3f1c8f0e-6f5e-4a39-9a55-0f6a2c1b9d11').set(bearer(adminToken)),
        404,
        'USER_NOT_FOUND',
      );
    });
  });
});
