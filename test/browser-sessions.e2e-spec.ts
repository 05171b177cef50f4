import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { api, bearer, login, newUser, register, TestUser } from './support/http';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

// API.md "Browser sessions: cookies and CSRF": cookie mode, the access cookie in the guard, CSRF, the cookie refresh,
// GET /auth/csrf, and bad input, on SQLite and PostgreSQL. CORS is in observability.e2e-spec.ts.

const AUTH = '/api/v1/auth';
const APP = 'http://localhost:5173';
const SELF = 'http://localhost:3000';
const ENV = { CORS_ORIGINS: APP, PUBLIC_URL: SELF };
const AT = '__Host-gh-at';
const RT = '__Secure-gh-rt';

interface Jar {
  at?: string;
  rt?: string;
}

interface CookieLogin {
  user: TestUser;
  jar: Jar;
  csrfToken: string;
}

/** The Set-Cookie lines of a response, by cookie name. */
function setCookies(response: request.Response): Record<string, string> {
  const lines = (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line]));
}

/** What a browser would keep from a response: the new values, and nothing for a cleared cookie. */
function remember(jar: Jar, response: request.Response): Jar {
  const lines = setCookies(response);
  const valueOf = (line: string | undefined, old: string | undefined) =>
    line === undefined ? old : /Max-Age=0(;|$)/.test(line) ? undefined : line.slice(line.indexOf('=') + 1, line.indexOf(';'));
  return { at: valueOf(lines[AT], jar.at), rt: valueOf(lines[RT], jar.rt) };
}

const cookieHeader = (jar: Jar) =>
  [jar.at !== undefined && `${AT}=${jar.at}`, jar.rt !== undefined && `${RT}=${jar.rt}`].filter(Boolean).join('; ');

/** The headers a page on APP sends with the session's CSRF token. */
const fromApp = (jar: Jar, csrfToken?: string) => ({
  cookie: cookieHeader(jar),
  origin: APP,
  'sec-fetch-site': 'same-site',
  ...(csrfToken !== undefined && { 'x-csrf-token': csrfToken }),
});

describe.each(testDatabases())('browser sessions on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url, ...ENV });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  async function cookieLogin(user?: TestUser): Promise<CookieLogin> {
    const registered = user ?? (await register(app)).user;
    const response = await api(app)
      .post(`${AUTH}/login`)
      .set('x-token-transport', 'cookie')
      .set('origin', APP)
      .send({ username: registered.username, password: registered.password });
    expect(response.status).toBe(200);
    return { user: registered, jar: remember({}, response), csrfToken: response.body.csrfToken as string };
  }

  const me = (jar: Jar) => api(app).get(`${AUTH}/me`).set('cookie', cookieHeader(jar));
  const cookieRefresh = (jar: Jar, csrfToken?: string) => api(app).post(`${AUTH}/refresh`).set(fromApp(jar, csrfToken));

  async function expectLoggedIn(jar: Jar, username: string): Promise<void> {
    const response = await me(jar);
    expect([response.status, response.body.username]).toEqual([200, username]);
  }

  function expectRefused(response: request.Response, status: number, code: string): void {
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.body).toEqual({ statusCode: status, code, message: expect.anything(), error: expect.any(String) });
  }

  describe('logging in with X-Token-Transport: cookie', () => {
    it('sets the two cookies with the attributes of API.md and puts no token in the body', async () => {
      const { user } = await register(app);
      const response = await api(app)
        .post(`${AUTH}/login`)
        .set('x-token-transport', 'cookie')
        .send({ username: user.username, password: user.password });

      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({ tokenType: 'Cookie', expiresIn: 900, refreshExpiresIn: 604800, csrfToken: expect.any(String) });
      expect(response.body.csrfToken).toMatch(/^[\w-]{43}$/);
      const cookies = setCookies(response);
      expect(Object.keys(cookies).sort()).toEqual([RT, AT].sort());
      expect(cookies[AT]).toMatch(/^__Host-gh-at=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; Secure; SameSite=Lax; Path=\/; Max-Age=900$/);
      expect(cookies[RT]).toMatch(
        /^__Secure-gh-rt=[0-9a-f-]{36}\.[\w-]{43}; HttpOnly; Secure; SameSite=Strict; Path=\/api\/v1\/auth; Max-Age=604800$/,
      );
      expect(JSON.stringify(response.body)).not.toContain(remember({}, response).rt!.split('.')[1]);
      await expectLoggedIn(remember({}, response), user.username);
    });

    it('takes the header without regard to case, answers a token pair without it, and refuses any other value', async () => {
      const { user } = await register(app);
      const credentials = { username: user.username, password: user.password };
      const upper = await api(app).post(`${AUTH}/login`).set('x-token-transport', ' Cookie ').send(credentials);
      expect(upper.body.tokenType).toBe('Cookie');
      const plain = await api(app).post(`${AUTH}/login`).send(credentials);
      expect(plain.body).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String), refreshToken: expect.any(String) });
      expect(plain.headers['set-cookie']).toBeUndefined();
      const bogus = await api(app).post(`${AUTH}/login`).set('x-token-transport', 'jar').send(credentials);
      expectRefused(bogus, 400, 'VALIDATION_FAILED');
      expect(bogus.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('the access cookie on guarded routes', () => {
    it('authenticates a request that sends no token header; a header always wins', async () => {
      const { user, jar } = await cookieLogin();
      await expectLoggedIn(jar, user.username);
      expectRefused(await me(jar).set('authorization', 'Bearer not-a-token'), 401, 'TOKEN_INVALID');
      const other = await login(app, (await register(app)).user);
      const header = await me(jar).set(bearer(other.accessToken));
      expect(header.body.username).not.toBe(user.username);
    });

    it.each([
      ['garbage in the access cookie', `${AT}=garbage`, 'TOKEN_INVALID'],
      ['a JWT signed by someone else', `${AT}=eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2ln`, 'TOKEN_INVALID'],
      ['the access cookie twice', `${AT}=a.b.c; ${AT}=d.e.f`, 'TOKEN_INVALID'],
      ['a Cookie header over 8 kB', `pad=${'x'.repeat(9000)}; ${AT}=a.b.c`, 'TOKEN_INVALID'],
      ['a Cookie header of separators', ';;=;=;;'.repeat(500), 'TOKEN_MISSING'],
      ['non-ASCII bytes', `${AT}=\u00e9\u00ff.\u00e9.\u00e9`, 'TOKEN_INVALID'],
      ['the refresh cookie only', `${RT}=x`, 'TOKEN_MISSING'],
      ['an emptied access cookie', `${AT}=`, 'TOKEN_MISSING'],
    ])('answers %s with 401, never a 5xx', async (_, cookie, code) => {
      const response = await api(app).get(`${AUTH}/me`).set('cookie', cookie);
      expectRefused(response, 401, code);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse"/);
    });

    it('refuses the access cookie of a logged-out session as TOKEN_REVOKED', async () => {
      const { jar, csrfToken } = await cookieLogin();
      expect((await api(app).post(`${AUTH}/logout`).set(fromApp(jar, csrfToken))).status).toBe(204);
      expectRefused(await me(jar), 401, 'TOKEN_REVOKED');
    });
  });

  describe('CSRF on cookie-authenticated requests that change something', () => {
    const logout = (headers: Record<string, string>) => api(app).post(`${AUTH}/logout`).set(headers);

    it.each<[string, (jar: Jar, csrfToken: string) => Record<string, string>]>([
      ['no X-CSRF-Token', (jar) => fromApp(jar)],
      ['a wrong X-CSRF-Token', (jar) => fromApp(jar, 'A'.repeat(43))],
      ['an X-CSRF-Token of another length', (jar, token) => fromApp(jar, `${token}x`)],
      ['Origin: null', (jar, token) => ({ ...fromApp(jar, token), origin: 'null' })],
      ['an Origin not listed', (jar, token) => ({ ...fromApp(jar, token), origin: 'http://localhost:5174' })],
      ['an Origin that only starts like a listed one', (jar, token) => ({ ...fromApp(jar, token), origin: `${APP}.evil.example` })],
      [
        'Sec-Fetch-Site: cross-site without an Origin',
        (jar, token) => ({ cookie: cookieHeader(jar), 'x-csrf-token': token, 'sec-fetch-site': 'cross-site' }),
      ],
    ])('refuses a logout with %s: 403 CSRF_FAILED, no cookie set or cleared, the session lives', async (_, headers) => {
      const { user, jar, csrfToken } = await cookieLogin();
      const response = await logout(headers(jar, csrfToken));
      expectRefused(response, 403, 'CSRF_FAILED');
      expect(response.headers['set-cookie']).toBeUndefined();
      await expectLoggedIn(jar, user.username);
    });

    it("refuses another session's CSRF token", async () => {
      const { user, jar } = await cookieLogin();
      const other = await cookieLogin();
      expectRefused(await logout(fromApp(jar, other.csrfToken)), 403, 'CSRF_FAILED');
      await expectLoggedIn(jar, user.username);
    });

    it('refuses a password change without the token and leaves the password as it was', async () => {
      const { user, jar } = await cookieLogin();
      const change = { currentPassword: user.password, newPassword: `${user.password} but new` };
      const response = await api(app).patch(`${AUTH}/password`).set(fromApp(jar)).send(change);
      expectRefused(response, 403, 'CSRF_FAILED');
      await login(app, user);
    });

    it('lets the token through from the service itself, APP_URL, a listed origin, and a listed origin on another site', async () => {
      for (const origin of [SELF, APP]) {
        const { jar, csrfToken } = await cookieLogin();
        expect((await logout({ ...fromApp(jar, csrfToken), origin })).status).toBe(204);
      }
      const { jar, csrfToken } = await cookieLogin();
      expect((await logout({ ...fromApp(jar, csrfToken), 'sec-fetch-site': 'cross-site' })).status).toBe(204);
      const sameOrigin = await cookieLogin();
      expect((await logout({ cookie: cookieHeader(sameOrigin.jar), 'x-csrf-token': sameOrigin.csrfToken })).status).toBe(204);
    });

    it('logs out with the token and clears both cookies (same Path and attributes, Max-Age=0)', async () => {
      const { jar, csrfToken } = await cookieLogin();
      const response = await logout(fromApp(jar, csrfToken));
      expect(response.status).toBe(204);
      expect(setCookies(response)).toEqual({
        [AT]: `${AT}=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0`,
        [RT]: `${RT}=; HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth; Max-Age=0`,
      });
      expect(remember(jar, response)).toEqual({ at: undefined, rt: undefined });
    });

    it('ends every session with logout-all and clears the cookies', async () => {
      const first = await cookieLogin();
      const second = await cookieLogin(first.user);
      const response = await api(app).post(`${AUTH}/logout-all`).set(fromApp(second.jar, second.csrfToken));
      expect(response.status).toBe(204);
      expect(Object.keys(setCookies(response)).sort()).toEqual([RT, AT].sort());
      expectRefused(await me(first.jar), 401, 'TOKEN_REVOKED');
    });

    it('asks nothing of a bearer request, whatever its Origin, and sets no cookie', async () => {
      const tokens = await login(app, (await register(app)).user);
      const response = await logout({ ...bearer(tokens.accessToken), origin: 'null', 'sec-fetch-site': 'cross-site' });
      expect(response.status).toBe(204);
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it('asks nothing of a safe method', async () => {
      const { user, jar } = await cookieLogin();
      const response = await me(jar).set('origin', 'null').set('sec-fetch-site', 'cross-site');
      expect(response.body.username).toBe(user.username);
    });
  });

  describe('refreshing with the refresh cookie (no body)', () => {
    it('spends the cookie, sets the next pair, and keeps the CSRF token of the session', async () => {
      const { user, jar, csrfToken } = await cookieLogin();
      const response = await cookieRefresh(jar, csrfToken);
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({ tokenType: 'Cookie', expiresIn: 900, refreshExpiresIn: 604800, csrfToken });
      const next = remember(jar, response);
      expect(next.rt).not.toBe(jar.rt);
      expect(next.at).not.toBe(jar.at);
      await expectLoggedIn(next, user.username);
      expect((await cookieRefresh(next, csrfToken)).status).toBe(200);
    });

    it('answers a JSON refresh with an empty body the same way', async () => {
      const { jar, csrfToken } = await cookieLogin();
      const response = await cookieRefresh(jar, csrfToken).set('content-type', 'application/json').send('');
      expect(response.body.tokenType).toBe('Cookie');
    });

    it.each<[string, (jar: Jar, csrfToken: string) => Record<string, string>]>([
      ['no X-CSRF-Token', (jar) => fromApp(jar)],
      ['a wrong X-CSRF-Token', (jar) => fromApp(jar, 'B'.repeat(43))],
      ['Origin: null', (jar, token) => ({ ...fromApp(jar, token), origin: 'null' })],
      [
        'a cross-site request without an Origin',
        (jar, token) => ({ cookie: cookieHeader(jar), 'x-csrf-token': token, 'sec-fetch-site': 'cross-site' }),
      ],
    ])('refuses %s with 403 CSRF_FAILED and leaves the cookie spendable', async (_, headers) => {
      const { jar, csrfToken } = await cookieLogin();
      const response = await api(app).post(`${AUTH}/refresh`).set(headers(jar, csrfToken));
      expectRefused(response, 403, 'CSRF_FAILED');
      expect(response.headers['set-cookie']).toBeUndefined();
      expect((await cookieRefresh(jar, csrfToken)).status).toBe(200);
    });

    it("refuses a refresh cookie of another session (one planted by a sibling subdomain) with this page's CSRF token", async () => {
      const victim = await cookieLogin();
      const attacker = await cookieLogin();
      expectRefused(await cookieRefresh({ rt: attacker.jar.rt }, victim.csrfToken), 403, 'CSRF_FAILED');
      const unknown = await cookieRefresh({ rt: `00000000-0000-4000-8000-000000000000.${'a'.repeat(43)}` }, victim.csrfToken);
      expectRefused(unknown, 403, 'CSRF_FAILED');
      expect((await cookieRefresh(attacker.jar, attacker.csrfToken)).status).toBe(200);
    });

    it('ends the session when its cookie holds a made-up secret (reuse), and clears the cookies', async () => {
      const { jar, csrfToken } = await cookieLogin();
      const forged = { rt: `${jar.rt!.split('.')[0]}.${'a'.repeat(43)}` };
      const response = await cookieRefresh(forged, csrfToken);
      expectRefused(response, 401, 'REFRESH_TOKEN_REUSED');
      expect(Object.keys(setCookies(response)).sort()).toEqual([RT, AT].sort());
      expectRefused(await me(jar), 401, 'TOKEN_REVOKED');
    });

    it.each([
      ['no refresh cookie', ''],
      ['garbage in the refresh cookie', `${RT}=garbage`],
      ['the refresh cookie twice', `${RT}=a; ${RT}=b`],
    ])('answers %s with 401 REFRESH_TOKEN_INVALID and clears the cookies', async (_, cookie) => {
      const { csrfToken } = await cookieLogin();
      const response = await api(app)
        .post(`${AUTH}/refresh`)
        .set({ ...(cookie && { cookie }), origin: APP, 'x-csrf-token': csrfToken });
      expectRefused(response, 401, 'REFRESH_TOKEN_INVALID');
      expect(Object.keys(setCookies(response)).sort()).toEqual([RT, AT].sort());
    });

    it('answers an older refresh cookie as reuse: 401 REFRESH_TOKEN_REUSED, the session ends, the cookies go', async () => {
      const { jar, csrfToken } = await cookieLogin();
      const second = remember(jar, await cookieRefresh(jar, csrfToken));
      const third = remember(second, await cookieRefresh(second, csrfToken));
      const response = await cookieRefresh(jar, csrfToken);
      expectRefused(response, 401, 'REFRESH_TOKEN_REUSED');
      expect(remember(jar, response)).toEqual({ at: undefined, rt: undefined });
      expectRefused(await me(third), 401, 'TOKEN_REVOKED');
    });

    it('puts 8 tabs refreshing one cookie at once on one chain, every one logged in', async () => {
      const { user, jar, csrfToken } = await cookieLogin();
      const responses = await Promise.all(Array.from({ length: 8 }, () => cookieRefresh(jar, csrfToken)));
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
      const jars = responses.map((r) => remember(jar, r));
      expect(new Set(jars.map((j) => j.rt)).size).toBe(1);
      for (const tab of jars) await expectLoggedIn(tab, user.username);
      expect((await cookieRefresh(jars[0], csrfToken)).status).toBe(200);
    });

    it('answers a body refresh in cookies when asked', async () => {
      const tokens = await login(app, (await register(app)).user);
      const response = await api(app)
        .post(`${AUTH}/refresh`)
        .set('x-token-transport', 'cookie')
        .send({ refreshToken: tokens.refreshToken });
      expect(response.body.tokenType).toBe('Cookie');
      expect(Object.keys(setCookies(response)).sort()).toEqual([RT, AT].sort());
    });

    it('still refuses a body that is not { refreshToken }', async () => {
      expectRefused(await api(app).post(`${AUTH}/refresh`).send({}), 400, 'VALIDATION_FAILED');
      expectRefused(await api(app).post(`${AUTH}/refresh`).send({ refreshToken: 5 }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('GET /auth/csrf', () => {
    it("answers the session's token to the access cookie and to a bearer token of the same session", async () => {
      const { jar, csrfToken } = await cookieLogin();
      const response = await api(app)
        .get(`${AUTH}/csrf`)
        .set('cookie', cookieHeader({ at: jar.at }));
      expect([response.status, response.body, response.headers['cache-control']]).toEqual([200, { csrfToken }, 'no-store']);
      const tokens = await login(app, (await register(app)).user);
      const viaBearer = await api(app).get(`${AUTH}/csrf`).set(bearer(tokens.accessToken));
      expect(viaBearer.body.csrfToken).toMatch(/^[\w-]{43}$/);
    });

    it('answers to the refresh cookie alone, once the access cookie has expired (a page reloaded after a pause)', async () => {
      const { jar, csrfToken } = await cookieLogin();
      const response = await api(app)
        .get(`${AUTH}/csrf`)
        .set('cookie', cookieHeader({ rt: jar.rt }));
      expect([response.status, response.body]).toEqual([200, { csrfToken }]);
      const refreshed = await cookieRefresh({ rt: jar.rt }, csrfToken);
      expect(refreshed.status).toBe(200);
    });

    it.each<[string, (jar: Jar) => Record<string, string>, string]>([
      ['nothing', () => ({}), 'TOKEN_MISSING'],
      ['a garbage access cookie', () => ({ cookie: `${AT}=garbage` }), 'TOKEN_INVALID'],
      ['an unknown refresh cookie', () => ({ cookie: `${RT}=00000000-0000-4000-8000-000000000000.${'a'.repeat(43)}` }), 'TOKEN_MISSING'],
      ['a refresh cookie that is no longer current', (jar) => ({ cookie: `${RT}=${jar.rt}` }), 'TOKEN_MISSING'],
    ])('refuses %s with 401', async (_, headers, code) => {
      const { jar, csrfToken } = await cookieLogin();
      await cookieRefresh(jar, csrfToken).expect(200);
      expectRefused(await api(app).get(`${AUTH}/csrf`).set(headers(jar)), 401, code);
    });
  });

  describe('the hot path with cookies', () => {
    let queries: string[];
    beforeEach(() => {
      queries = [];
      jest.spyOn(app.get(DataSource).logger, 'logQuery').mockImplementation((query: string) => void queries.push(query));
    });
    afterEach(() => jest.restoreAllMocks());

    it('serves GET /auth/me from the access cookie after a warm-up without any query', async () => {
      const { user, jar } = await cookieLogin();
      await expectLoggedIn(jar, user.username);
      queries.length = 0;
      for (let i = 0; i < 3; i++) await expectLoggedIn(jar, user.username);
      expect(queries).toEqual([]);
    });
  });
});

describe('the session CSRF token across instances', () => {
  it('is the same for one session on another app with the same secret, and differs under another secret', async () => {
    const db = await createTestDatabase('sqlite');
    const user = newUser('csrf');
    let csrfToken: string;
    let rt: string;
    let app = await createTestApp({ DATABASE_URL: db.url, ...ENV });
    try {
      await register(app, user);
      const response = await api(app)
        .post(`${AUTH}/login`)
        .set('x-token-transport', 'cookie')
        .send({ username: user.username, password: user.password });
      csrfToken = response.body.csrfToken as string;
      rt = remember({}, response).rt!;
    } finally {
      await app.close();
    }
    app = await createTestApp({ DATABASE_URL: db.url, ...ENV });
    try {
      expect((await api(app).get(`${AUTH}/csrf`).set('cookie', `${RT}=${rt}`)).body).toEqual({ csrfToken });
    } finally {
      await app.close();
    }
    app = await createTestApp({ DATABASE_URL: db.url, ...ENV, JWT_SECRET: 'another secret of at least thirty-two characters' });
    try {
      const other = await api(app).get(`${AUTH}/csrf`).set('cookie', `${RT}=${rt}`);
      expect(other.body.csrfToken).toMatch(/^[\w-]{43}$/);
      expect(other.body.csrfToken).not.toBe(csrfToken);
    } finally {
      await app.close();
    }
  });
});
