import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { api, ADMIN_ENV, bearer, decodeJwt, newUser, register, registerAndLogin, TestUser } from './support/http';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/auth/me';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const USER_KEYS = ['createdAt', 'disabled', 'email', 'emailVerified', 'id', 'roles', 'updatedAt', 'username'];

/** Full-width look-alike (U+FF01…U+FF5E) of a printable ASCII string: NFKC maps it back. */
const fullWidth = (text: string) => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** No key anywhere in the body names a password or hash, and no value is the password or a bcrypt hash. */
function expectNoSecrets(body: unknown, password?: string): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/"[^"]*(password|hash)[^"]*":/i);
  expect(text).not.toMatch(/\$2[aby]\$\d\d\$/);
  if (password) expect(text).not.toContain(password);
}

function expectValidationFailed(response: { status: number; body: { message?: unknown } }, fields: string[]): void {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.any(Array), error: 'Bad Request' });
  for (const field of fields)
    expect(response.body.message).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${field}\\b`))]));
}

describe.each(testDatabases())('register and login on %s', (kind) => {
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

  const post = (path: string, body: unknown) =>
    api(app)
      .post(path)
      .send(body as object);
  const loginAs = (username: unknown, password: unknown) => post(LOGIN, { username, password });

  describe('POST /auth/register', () => {
    it('creates a user with the API.md shape, the role "user" and no secret', async () => {
      const user = newUser();
      const response = await post(REGISTER, user).expect(201);
      expect(Object.keys(response.body).sort()).toEqual(USER_KEYS);
      expect(response.body).toEqual({
        id: expect.stringMatching(UUID),
        username: user.username,
        email: user.email,
        emailVerified: false,
        roles: ['user'],
        disabled: false,
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: expect.stringMatching(ISO_UTC),
      });
      expectNoSecrets(response.body, user.password);
    });

    it.each([
      ['the same username in another case', (u: TestUser) => ({ ...newUser(), username: u.username.toUpperCase() })],
      ['a full-width look-alike of the username (NFKC)', (u: TestUser) => ({ ...newUser(), username: fullWidth(u.username) })],
      ['the same email in another case', (u: TestUser) => ({ ...newUser(), email: u.email.toUpperCase() })],
    ])('answers 409 USER_EXISTS for %s', async (_name, variant) => {
      const { user } = await register(app);
      const response = await post(REGISTER, variant(user));
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ statusCode: 409, code: 'USER_EXISTS', message: expect.any(String), error: 'Conflict' });
    });

    it('lists every bad field in one 400 VALIDATION_FAILED', async () => {
      const response = await post(REGISTER, { username: 'a', email: 'not-an-email', password: 'short' });
      expectValidationFailed(response, ['username', 'email', 'password']);
      expect(response.body.message).toHaveLength(3);
    });

    it('lists a too-short password (under 12 characters) together with the other bad fields', async () => {
      const response = await post(REGISTER, { username: 'a', email: 'not-an-email', password: 'abcdefghijk' });
      expectValidationFailed(response, ['username', 'email', 'password']);
    });

    it('lists missing fields', async () => {
      expectValidationFailed(await post(REGISTER, {}), ['username', 'email', 'password']);
    });

    it('refuses roles in the body and stores nothing', async () => {
      const user = newUser();
      expectValidationFailed(await post(REGISTER, { ...user, roles: ['admin'] }), ['property roles']);
      await loginAs(user.username, user.password).expect(401);
      const created = await post(REGISTER, user).expect(201);
      expect(created.body.roles).toEqual(['user']);
    });

    it.each([
      ['11 characters (shorter than 12)', 'abcdefghijk'],
      ['30 emoji: 60 UTF-16 units, 120 bytes of UTF-8 (over 72)', '😀'.repeat(30)],
      ['73 ASCII bytes', 'a'.repeat(73)],
      ['a NUL byte', 'correct horse\u0000battery'],
      ['a newline', 'correct horse\nbattery staple'],
      ['a DEL character', 'correct horse\u007fbattery staple'],
    ])('refuses a password of %s', async (_name, password) => {
      const response = await post(REGISTER, { ...newUser(), password });
      expectValidationFailed(response, ['password']);
    });

    it('says clearly that a password over 72 bytes is refused', async () => {
      const response = await post(REGISTER, { ...newUser(), password: '😀'.repeat(30) });
      expect((response.body as { message: string[] }).message.join(' ')).toMatch(/72 bytes/);
    });

    it('accepts a password of exactly 72 bytes and logs in with it', async () => {
      const user = { ...newUser(), password: `${randomBytes(36).toString('hex')}` };
      expect(Buffer.byteLength(user.password)).toBe(72);
      await post(REGISTER, user).expect(201);
      await loginAs(user.username, user.password).expect(200);
    });

    it.each([
      ['Cyrillic letters', 'аdmin_сyr'],
      ['Greek letters', 'αλφα_user'],
      ['a zero-width space', 'zero\u200bwidth'],
      ['a right-to-left override', 'rtl\u202euser'],
      ['a space', 'two words'],
      ['two characters', 'ab'],
      ['33 characters', 'a'.repeat(33)],
    ])('refuses a username with %s', async (_name, username) => {
      expectValidationFailed(await post(REGISTER, { ...newUser(), username }), ['username']);
    });

    it('lets exactly one of 20 concurrent registrations of one name win; the rest get 409', async () => {
      const username = `race_${randomBytes(4).toString('hex')}`;
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post(REGISTER, { ...newUser(), username, email: `${username}_${i}@example.com` })),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array(19).fill(409)]);
      for (const r of responses.filter((r) => r.status === 409)) expect(r.body.code).toBe('USER_EXISTS');
    });
  });

  describe('POST /auth/login', () => {
    let user: TestUser;
    let userId: string;
    beforeAll(async () => {
      ({ user, id: userId } = await register(app));
    });

    it.each([
      ['username', (u: TestUser) => u.username],
      ['username in upper case', (u: TestUser) => u.username.toUpperCase()],
      ['email', (u: TestUser) => u.email],
      ['email in upper case', (u: TestUser) => u.email.toUpperCase()],
      ['full-width username', (u: TestUser) => fullWidth(u.username)],
    ])('logs in by %s', async (_name, name) => {
      const response = await loginAs(name(user), user.password).expect(200);
      expect(decodeJwt(response.body.accessToken).payload.sub).toBe(userId);
    });

    it('answers the token pair of API.md, not cacheable, with no secret', async () => {
      const response = await loginAs(user.username, user.password).expect(200);
      expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshExpiresIn', 'refreshToken', 'tokenType']);
      expect(response.body).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshExpiresIn: 7 * 24 * 3600,
      });
      expect(response.body.refreshToken.length).toBeGreaterThanOrEqual(43);
      expect((response.body as { refreshToken: string }).refreshToken.split('.')).not.toHaveLength(3);
      expect(response.headers['cache-control']).toMatch(/\bno-store\b/);
      expect(response.headers['pragma']).toBe('no-cache');
      expectNoSecrets(response.body, user.password);
    });

    it('issues an access token with the claims and header of API.md', async () => {
      const { accessToken } = (await loginAs(user.username, user.password).expect(200)).body;
      const { header, payload } = decodeJwt(accessToken);
      expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
      expect(Object.keys(payload).sort()).toEqual([
        'amr',
        'aud',
        'auth_time',
        'exp',
        'iat',
        'iss',
        'jti',
        'roles',
        'sid',
        'sub',
        'username',
      ]);
      expect(payload).toMatchObject({
        sub: userId,
        username: user.username,
        roles: ['user'],
        iss: 'gatehouse',
        aud: 'gatehouse-api',
        amr: ['pwd'],
      });
      expect(Math.abs((payload.auth_time as number) - (payload.iat as number))).toBeLessThanOrEqual(1);
      expect(payload.sid).toMatch(UUID);
      expect(typeof payload.jti).toBe('string');
      expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(10);
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
    });

    it('gives every login its own session and token id', async () => {
      const [a, b] = await Promise.all([loginAs(user.username, user.password), loginAs(user.username, user.password)]);
      expect(decodeJwt(a.body.accessToken).payload.sid).not.toBe(decodeJwt(b.body.accessToken).payload.sid);
      expect(decodeJwt(a.body.accessToken).payload.jti).not.toBe(decodeJwt(b.body.accessToken).payload.jti);
      expect(a.body.refreshToken).not.toBe(b.body.refreshToken);
    });

    it('NFKC-normalizes the password at registration and login alike, and never trims it', async () => {
      const ascii = `Secret ${randomBytes(6).toString('hex')} pass`;
      const someone = { ...newUser(), password: fullWidth(ascii) };
      await post(REGISTER, someone).expect(201);
      await loginAs(someone.username, ascii).expect(200);
      await loginAs(someone.username, someone.password).expect(200);
      expect((await loginAs(someone.username, ` ${ascii} `)).status).toBe(401);
    });

    it('answers an unknown user and a wrong password with the same 401 INVALID_CREDENTIALS', async () => {
      const unknown = await loginAs(`nobody_${randomBytes(4).toString('hex')}`, user.password);
      const wrong = await loginAs(user.username, `${user.password}x`);
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual({ statusCode: 401, code: 'INVALID_CREDENTIALS', message: expect.any(String), error: 'Unauthorized' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);
      expect(unknown.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    });

    it.each([
      ['a numeric password', () => ({ username: user.username, password: 123456789012 })],
      ['an object password', () => ({ username: user.username, password: { $ne: null } })],
      ['an array password', () => ({ username: user.username, password: [user.password] })],
      ['a numeric username', () => ({ username: 42, password: user.password })],
      ['an object username', () => ({ username: { $gt: '' }, password: user.password })],
      ['an array username', () => ({ username: [user.username], password: user.password })],
      ['a null password', () => ({ username: user.username, password: null })],
      ['no password', () => ({ username: user.username })],
      ['no username', () => ({ password: user.password })],
      ['an empty body', () => ({})],
      ['an extra field', () => ({ username: user.username, password: user.password, roles: ['admin'] })],
    ])('answers 400 VALIDATION_FAILED, never 500, to %s', async (_name, body) => {
      const response = await post(LOGIN, body());
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request' });
    });

    it('answers 400, never 500, to a JSON array or a bare string as the login body', async () => {
      for (const raw of ['[]', '"username"', '42', 'null']) {
        const response = await api(app).post(LOGIN).set('content-type', 'application/json').send(raw);
        expect({ raw, status: response.status }).toEqual({ raw, status: 400 });
      }
    });
  });

  describe('GET /auth/me', () => {
    it('answers the caller through Authorization: Bearer and through x-access-token alike', async () => {
      const { user, id, tokens } = await registerAndLogin(app);
      const viaBearer = await api(app).get(ME).set(bearer(tokens.accessToken)).expect(200);
      const viaHeader = await api(app).get(ME).set('x-access-token', tokens.accessToken).expect(200);
      expect(viaBearer.body).toMatchObject({ id, username: user.username, email: user.email, roles: ['user'] });
      expect(Object.keys(viaBearer.body).sort()).toEqual(USER_KEYS);
      expect(viaHeader.body).toEqual(viaBearer.body);
      expectNoSecrets(viaBearer.body, user.password);
    });
  });
});
