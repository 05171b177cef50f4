import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ADMIN_ENV, api, bearer, decodeJwt, login, register, registerAndLogin, TestUser, TokenPair } from './support/http';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

const AUTH = '/api/v1/auth';
const sidOf = (token: string) => decodeJwt(token).payload.sid as string;

async function loginAs(app: NestFastifyApplication, user: TestUser, userAgent = 'jest-e2e'): Promise<TokenPair> {
  const response = await api(app)
    .post(`${AUTH}/login`)
    .set('User-Agent', userAgent)
    .send({ username: user.username, password: user.password });
  expect(response.status).toBe(200);
  return response.body as TokenPair;
}

const refresh = (app: NestFastifyApplication, refreshToken: unknown) => api(app).post(`${AUTH}/refresh`).send({ refreshToken });

async function expectRevoked(app: NestFastifyApplication, accessToken: string): Promise<void> {
  const response = await api(app).get(`${AUTH}/me`).set(bearer(accessToken));
  expect(response.status).toBe(401);
  expect(response.body).toMatchObject({ statusCode: 401, code: 'TOKEN_REVOKED' });
  expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse", error="invalid_token"/);
}

async function expectRefreshRefused(app: NestFastifyApplication, refreshToken: string, code = 'REFRESH_TOKEN_INVALID'): Promise<void> {
  const response = await refresh(app, refreshToken);
  expect(response.status).toBe(401);
  expect(response.body).toMatchObject({ statusCode: 401, code });
}

async function expectAlive(app: NestFastifyApplication, accessToken: string): Promise<void> {
  const response = await api(app).get(`${AUTH}/me`).set(bearer(accessToken));
  expect(response.status).toBe(200);
}

/** These suites make far more public auth calls from one address than the production rate limit allows. */
const ENV = { ...ADMIN_ENV, AUTH_RATE_LIMIT_PER_MINUTE: '1000000' };

describe.each(testDatabases())('sessions on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    url = db.url;
    app = await createTestApp({ DATABASE_URL: url, ...ENV });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  describe('POST /auth/refresh', () => {
    it('rotates the pair within the same session', async () => {
      const { id, tokens } = await registerAndLogin(app);
      const response = await refresh(app, tokens.refreshToken);
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshExpiresIn: 604800,
      });
      expect(response.body.refreshToken).not.toBe(tokens.refreshToken);
      expect(sidOf(response.body.accessToken)).toBe(sidOf(tokens.accessToken));
      expect(decodeJwt(response.body.accessToken).payload.sub).toBe(id);
      const me = await api(app).get(`${AUTH}/me`).set(bearer(response.body.accessToken));
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(id);
      // the successor is itself spendable
      expect((await refresh(app, response.body.refreshToken)).status).toBe(200);
    });

    it('treats reuse of a spent refresh token as theft and ends the whole session', async () => {
      const { tokens } = await registerAndLogin(app);
      const second = (await refresh(app, tokens.refreshToken)).body as TokenPair;
      const third = (await refresh(app, second.refreshToken)).body as TokenPair;
      await expectAlive(app, third.accessToken);

      await expectRefreshRefused(app, tokens.refreshToken, 'REFRESH_TOKEN_REUSED');
      await expectRevoked(app, third.accessToken);
      await expectRevoked(app, tokens.accessToken);
      await expectRefreshRefused(app, third.refreshToken);
    });

    it.each([
      ['garbage', 'not-a-token'],
      ['an empty string', ''],
      ['a bare uuid', randomUUID()],
      ['an unknown session', `${randomUUID()}.${randomBytes(32).toString('base64url')}`],
      ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
    ])('refuses %s with 401 REFRESH_TOKEN_INVALID', async (_, token) => {
      await expectRefreshRefused(app, token);
    });

    it('refuses an access token presented as a refresh token', async () => {
      const { tokens } = await registerAndLogin(app);
      await expectRefreshRefused(app, tokens.accessToken);
      await expectAlive(app, tokens.accessToken);
    });

    it.each([
      ['a number', { refreshToken: 123 }],
      ['null', { refreshToken: null }],
      ['an array', { refreshToken: ['a'] }],
      ['an object', { refreshToken: { $ne: '' } }],
      ['a missing field', {}],
      ['an unknown extra field', { refreshToken: 'x', admin: true }],
    ])('answers 400 VALIDATION_FAILED for %s', async (_, body) => {
      const response = await api(app).post(`${AUTH}/refresh`).send(body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });

    it('refuses an absurdly long string without a 5xx', async () => {
      const response = await refresh(app, 'x'.repeat(5000));
      expect([400, 401]).toContain(response.status);
      expect(['VALIDATION_FAILED', 'REFRESH_TOKEN_INVALID']).toContain(response.body.code);
    });

    it('never issues tokens for a session id with a made-up secret', async () => {
      const victim = await registerAndLogin(app);
      const forged = `${sidOf(victim.tokens.accessToken)}.${randomBytes(32).toString('base64url')}`;
      const response = await refresh(app, forged);
      expect(response.status).toBe(401);
      expect(['REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED']).toContain(response.body.code);
      expect(response.body.accessToken).toBeUndefined();
    });

    it('puts 8 concurrent refreshes with one token on one chain (the grace window): one successor, a live session', async () => {
      const { tokens } = await registerAndLogin(app);
      const responses = await Promise.all(Array.from({ length: 8 }, () => refresh(app, tokens.refreshToken)));
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
      const successors = new Set(responses.map((r) => r.body.refreshToken as string));
      expect(successors.size).toBe(1);
      const [successor] = successors;
      for (const r of responses) await expectAlive(app, r.body.accessToken);
      // The one successor was written once: it spends like any token, and then the first one is older than the last.
      const next = (await refresh(app, successor)).body as TokenPair;
      await expectAlive(app, next.accessToken);
      await expectRefreshRefused(app, tokens.refreshToken, 'REFRESH_TOKEN_REUSED');
      await expectRevoked(app, next.accessToken);
    });
  });

  describe('logout', () => {
    it('POST /logout ends this session only', async () => {
      const { user, tokens } = await registerAndLogin(app);
      const other = await login(app, user);
      const response = await api(app).post(`${AUTH}/logout`).set(bearer(tokens.accessToken));
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      await expectRevoked(app, tokens.accessToken);
      await expectRefreshRefused(app, tokens.refreshToken);
      await expectAlive(app, other.accessToken);
    });

    it('POST /logout-all ends every session of the user', async () => {
      const { user, tokens } = await registerAndLogin(app);
      const second = await login(app, user);
      const bystander = await registerAndLogin(app);
      expect((await api(app).post(`${AUTH}/logout-all`).set(bearer(tokens.accessToken))).status).toBe(204);
      for (const pair of [tokens, second]) {
        await expectRevoked(app, pair.accessToken);
        await expectRefreshRefused(app, pair.refreshToken);
      }
      await expectAlive(app, bystander.tokens.accessToken);
    });
  });

  describe('GET and DELETE /auth/sessions', () => {
    it('lists live sessions with exactly one current', async () => {
      const { user } = await register(app);
      const first = await loginAs(app, user, 'agent-one/1.0');
      const second = await loginAs(app, user, 'agent-two/2.0');
      const gone = await loginAs(app, user, 'agent-gone');
      await api(app).post(`${AUTH}/logout`).set(bearer(gone.accessToken)).expect(204);

      const response = await api(app).get(`${AUTH}/sessions`).set(bearer(second.accessToken));
      expect(response.status).toBe(200);
      const sessions = response.body as Array<Record<string, unknown>>;
      expect(sessions).toHaveLength(2);
      expect(sessions.map((s) => s.id).sort()).toEqual([sidOf(first.accessToken), sidOf(second.accessToken)].sort());
      const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
      for (const s of sessions) {
        expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent']);
        expect(s.createdAt).toMatch(iso);
        expect(s.lastUsedAt).toMatch(iso);
        expect(s.expiresAt).toMatch(iso);
        expect(new Date(s.expiresAt as string).getTime()).toBeGreaterThan(Date.now());
        expect(typeof s.ip).toBe('string');
      }
      const current = sessions.filter((s) => s.current === true);
      expect(current).toHaveLength(1);
      expect(current[0]).toMatchObject({ id: sidOf(second.accessToken), userAgent: 'agent-two/2.0' });
      expect(sessions.find((s) => !s.current)).toMatchObject({ id: sidOf(first.accessToken), userAgent: 'agent-one/1.0', current: false });
    });

    it('a refresh records the client it came from and moves lastUsedAt and expiresAt on, keeping what a client does not send', async () => {
      const { user } = await register(app);
      const first = await loginAs(app, user, 'agent-before/1.0');
      const listed = async (accessToken: string) =>
        ((await api(app).get(`${AUTH}/sessions`).set(bearer(accessToken))).body as Array<Record<string, string>>)[0];
      const before = await listed(first.accessToken);

      const renamed = await api(app)
        .post(`${AUTH}/refresh`)
        .set('User-Agent', 'agent-after/2.0')
        .send({ refreshToken: first.refreshToken });
      expect(renamed.status).toBe(200);
      const after = await listed((renamed.body as TokenPair).accessToken);
      expect(after).toMatchObject({ id: before.id, userAgent: 'agent-after/2.0', createdAt: before.createdAt });
      expect(new Date(after.lastUsedAt).getTime()).toBeGreaterThanOrEqual(new Date(before.lastUsedAt).getTime());
      expect(new Date(after.expiresAt).getTime()).toBeGreaterThanOrEqual(new Date(before.expiresAt).getTime());

      // supertest sends no User-Agent unless told: the stored one stays.
      const unnamed = await api(app)
        .post(`${AUTH}/refresh`)
        .send({ refreshToken: (renamed.body as TokenPair).refreshToken });
      expect(unnamed.status).toBe(200);
      expect(await listed((unnamed.body as TokenPair).accessToken)).toMatchObject({ id: before.id, userAgent: 'agent-after/2.0' });
    });

    it('DELETE /sessions/:id ends that session and keeps the current one', async () => {
      const { user, tokens } = await registerAndLogin(app);
      const other = await login(app, user);
      const response = await api(app)
        .delete(`${AUTH}/sessions/${sidOf(other.accessToken)}`)
        .set(bearer(tokens.accessToken));
      expect(response.status).toBe(204);
      await expectRevoked(app, other.accessToken);
      await expectRefreshRefused(app, other.refreshToken);
      await expectAlive(app, tokens.accessToken);
      const list = await api(app).get(`${AUTH}/sessions`).set(bearer(tokens.accessToken));
      expect((list.body as Array<{ id: string }>).map((s) => s.id)).toEqual([sidOf(tokens.accessToken)]);
    });

    it("answers 404 for another user's session and leaves it alone", async () => {
      const me = await registerAndLogin(app);
      const them = await registerAndLogin(app);
      for (const id of [sidOf(them.tokens.accessToken), randomUUID()]) {
        const response = await api(app).delete(`${AUTH}/sessions/${id}`).set(bearer(me.tokens.accessToken));
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ statusCode: 404, code: 'SESSION_NOT_FOUND' });
      }
      await expectAlive(app, them.tokens.accessToken);
      expect((await refresh(app, them.tokens.refreshToken)).status).toBe(200);
    });

    it('answers 400 for an id that is not a UUID', async () => {
      const { tokens } = await registerAndLogin(app);
      const response = await api(app).delete(`${AUTH}/sessions/not-a-uuid`).set(bearer(tokens.accessToken));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('PATCH /auth/password', () => {
    it('refuses a wrong current password and a weak new one', async () => {
      const { user, tokens } = await registerAndLogin(app);
      const wrong = await api(app)
        .patch(`${AUTH}/password`)
        .set(bearer(tokens.accessToken))
        .send({ currentPassword: 'wrong password here', newPassword: 'a brand new long secret' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ statusCode: 401, code: 'INVALID_CREDENTIALS' });
      for (const newPassword of ['short', 'elevenchars', 'QWERTY123456', 'é'.repeat(37), 'control\u0000character long']) {
        const weak = await api(app)
          .patch(`${AUTH}/password`)
          .set(bearer(tokens.accessToken))
          .send({ currentPassword: user.password, newPassword });
        expect(weak.status).toBe(400);
        expect(weak.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      }
      await expectAlive(app, tokens.accessToken);
      await login(app, user); // the password is unchanged
    });

    it('changes the password, keeps this session and ends the others', async () => {
      const { user, tokens } = await registerAndLogin(app);
      const other = await login(app, user);
      const newPassword = `new ${randomBytes(8).toString('hex')} secret`;
      const response = await api(app)
        .patch(`${AUTH}/password`)
        .set(bearer(tokens.accessToken))
        .send({ currentPassword: user.password, newPassword });
      expect(response.status).toBe(204);
      await expectAlive(app, tokens.accessToken);
      expect((await refresh(app, tokens.refreshToken)).status).toBe(200);
      await expectRevoked(app, other.accessToken);
      await expectRefreshRefused(app, other.refreshToken);
      const old = await api(app).post(`${AUTH}/login`).send({ username: user.username, password: user.password });
      expect(old.status).toBe(401);
      expect(old.body.code).toBe('INVALID_CREDENTIALS');
      await login(app, { username: user.username, password: newPassword });
    });
  });

  // The restart replaces the shared app: @nestjs/passport registers its strategies on the process-wide passport
  // instance, so only the most recently booted app in a process authenticates correctly.
  it('keeps a revoked session refused after a restart', async () => {
    const { user, tokens } = await registerAndLogin(app);
    const kept = await login(app, user);
    await api(app).post(`${AUTH}/logout`).set(bearer(tokens.accessToken)).expect(204);
    await app.close();
    app = await createTestApp({ DATABASE_URL: url, ...ENV });
    await expectRevoked(app, tokens.accessToken);
    await expectRefreshRefused(app, tokens.refreshToken);
    await expectAlive(app, kept.accessToken);
  });

  describe('the hot path', () => {
    let queries: string[];
    beforeEach(() => {
      queries = [];
      const logger = app.get(DataSource).logger;
      jest.spyOn(logger, 'logQuery').mockImplementation((query: string) => void queries.push(query));
    });
    afterEach(() => jest.restoreAllMocks());

    it('counts the queries of a request that must read the database', async () => {
      const { user } = await register(app);
      queries.length = 0;
      await login(app, user);
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.some((q) => /insert/i.test(q))).toBe(true);
    });

    it('serves GET /auth/me after a warm-up without any query', async () => {
      const { id, tokens } = await registerAndLogin(app);
      await expectAlive(app, tokens.accessToken);
      queries.length = 0;
      for (let i = 0; i < 3; i++) {
        const response = await api(app).get(`${AUTH}/me`).set(bearer(tokens.accessToken));
        expect(response.status).toBe(200);
        expect(response.body.id).toBe(id);
      }
      expect(queries).toEqual([]);
    });

    it('refuses a revoked token without any query', async () => {
      const { tokens } = await registerAndLogin(app);
      await api(app).post(`${AUTH}/logout`).set(bearer(tokens.accessToken)).expect(204);
      queries.length = 0;
      await expectRevoked(app, tokens.accessToken);
      await expectRevoked(app, tokens.accessToken);
      expect(queries).toEqual([]);
    });
  });
});

describe.each(testDatabases())('refresh without a grace window (REFRESH_REUSE_GRACE_SECONDS=0) on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url, ...ENV, REFRESH_REUSE_GRACE_SECONDS: '0' });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  it('lets exactly one of 8 concurrent refreshes with one token win; the rest are reuse', async () => {
    const { tokens } = await registerAndLogin(app);
    const responses = await Promise.all(Array.from({ length: 8 }, () => refresh(app, tokens.refreshToken)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(7);
    for (const r of responses.filter((r) => r.status === 401))
      expect(['REFRESH_TOKEN_REUSED', 'REFRESH_TOKEN_INVALID']).toContain(r.body.code);
  });

  it('treats the token spent last as reuse at once', async () => {
    const { tokens } = await registerAndLogin(app);
    const next = (await refresh(app, tokens.refreshToken)).body as TokenPair;
    await expectRefreshRefused(app, tokens.refreshToken, 'REFRESH_TOKEN_REUSED');
    await expectRevoked(app, next.accessToken);
  });
});
