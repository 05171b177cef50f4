import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { ADMIN_ENV, api, bearer, decodeJwt, login, newUser, register, registerAndLogin, TEST_ADMIN, TestUser } from './support/http';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

const USERS = '/api/v1/users';
const USER_KEYS = ['createdAt', 'disabled', 'email', 'emailVerified', 'id', 'roles', 'updatedAt', 'username'];
const tag = () => randomBytes(3).toString('hex');

/** These suites make far more public auth calls from one address than the production rate limit allows. */
const ENV = { ...ADMIN_ENV, AUTH_RATE_LIMIT_PER_MINUTE: '1000000' };

describe.each(testDatabases())('users API on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;
  let admin: string;
  /** Every response body and every password the tests used: the last test checks that none leaked. */
  const bodies: string[] = [];
  const passwords = new Set<string>([TEST_ADMIN.password]);

  async function call(test: request.Test): Promise<request.Response> {
    const response = await test;
    bodies.push(response.text);
    return response;
  }
  const get = (path: string, token = admin) => call(api(app).get(path).set(bearer(token)));
  const patch = (id: string, body: object, token = admin) => call(api(app).patch(`${USERS}/${id}`).set(bearer(token)).send(body));
  const remove = (id: string, token = admin) => call(api(app).delete(`${USERS}/${id}`).set(bearer(token)));
  const tryLogin = (username: string, password: string) => call(api(app).post('/api/v1/auth/login').send({ username, password }));
  async function someone(user: TestUser = newUser()) {
    passwords.add(user.password);
    return registerAndLogin(app, user);
  }

  function expectError(response: request.Response, status: number, code: string): void {
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ statusCode: status, code });
  }
  async function expectRevoked(token: string): Promise<void> {
    const response = await get('/api/v1/auth/me', token);
    expectError(response, 401, 'TOKEN_REVOKED');
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  }

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url, ...ENV });
    admin = (await login(app, TEST_ADMIN)).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  describe('GET /users', () => {
    it('is for admins only', async () => {
      const { tokens } = await someone();
      expectError(await get(USERS, tokens.accessToken), 403, 'FORBIDDEN');
      expectError(await call(api(app).get(USERS)), 401, 'TOKEN_MISSING');
    });

    it('answers a page of users', async () => {
      const response = await get(USERS);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['items', 'limit', 'page', 'total']);
      expect(response.body).toMatchObject({ page: 1, limit: 20 });
      expect(response.body.total).toBeGreaterThanOrEqual(1);
      for (const item of response.body.items) expect(Object.keys(item).sort()).toEqual(USER_KEYS);
      expect((response.body.items as Array<{ username: string }>).map((u) => u.username)).toContain(TEST_ADMIN.username);
    });

    it('pages through a search result without overlap', async () => {
      const prefix = `pg${tag()}`;
      for (const n of [1, 2, 3]) await someone(newUser(`${prefix}${n}`));
      const first = await get(`${USERS}?search=${prefix}&limit=2&page=1`);
      const second = await get(`${USERS}?search=${prefix}&limit=2&page=2`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ total: 3, page: 1, limit: 2 });
      expect(second.body).toMatchObject({ total: 3, page: 2, limit: 2 });
      expect(first.body.items).toHaveLength(2);
      expect(second.body.items).toHaveLength(1);
      const names = [...first.body.items, ...second.body.items].map((u: { username: string }) => u.username);
      expect(new Set(names).size).toBe(3);
      expect(names.every((n) => n.startsWith(prefix))).toBe(true);
      expect((await get(`${USERS}?search=${prefix}&limit=100`)).status).toBe(200);
    });

    it.each(['limit=101', 'limit=0', 'page=0', 'limit=abc', 'sort=username'])('answers 400 for ?%s', async (query) => {
      expectError(await get(`${USERS}?${query}`), 400, 'VALIDATION_FAILED');
    });

    it('searches by username or email prefix without regard to case', async () => {
      const t = tag();
      const { id } = await someone({ username: `Srch${t}`, email: `Mailbox${t}@example.com`, password: `pw ${t} correct horse` });
      for (const search of [`srch${t}`, `SRCH${t.toUpperCase()}`, `mailbox${t}`, `MAILBOX${t}@EXAMPLE`]) {
        const response = await get(`${USERS}?search=${encodeURIComponent(search)}`);
        expect(response.status).toBe(200);
        expect(response.body.total).toBe(1);
        expect(response.body.items[0].id).toBe(id);
      }
      expect((await get(`${USERS}?search=rch${t}`)).body.total).toBe(0); // a prefix, not a substring
    });

    it('treats % and _ in a search literally', async () => {
      const t = tag();
      const { id } = await someone(newUser(`lit${t}_a`));
      await someone(newUser(`lit${t}xa`));
      const underscore = await get(`${USERS}?search=${encodeURIComponent(`lit${t}_`)}`);
      expect(underscore.body.total).toBe(1);
      expect(underscore.body.items[0].id).toBe(id);
      expect((await get(`${USERS}?search=${encodeURIComponent(`lit${t}%`)}`)).body.total).toBe(0);
      expect((await get(`${USERS}?search=${encodeURIComponent('%')}`)).body.total).toBe(0);
      expect((await get(`${USERS}?search=${encodeURIComponent('\\')}`)).status).toBe(200);
    });
  });

  describe('GET /users/:id', () => {
    it('lets an admin read anyone and a user only themselves', async () => {
      const alice = await someone();
      const bob = await someone();
      const byAdmin = await get(`${USERS}/${alice.id}`);
      expect(byAdmin.status).toBe(200);
      expect(Object.keys(byAdmin.body).sort()).toEqual([...USER_KEYS, 'identities'].sort());
      expect(byAdmin.body.identities).toEqual([]);
      expect(byAdmin.body).toMatchObject({
        id: alice.id,
        username: alice.user.username,
        email: alice.user.email,
        roles: ['user'],
        disabled: false,
        emailVerified: false,
      });
      const self = await get(`${USERS}/${alice.id}`, alice.tokens.accessToken);
      expect(self.status).toBe(200);
      expect(self.body).toEqual(byAdmin.body);
      expectError(await get(`${USERS}/${bob.id}`, alice.tokens.accessToken), 403, 'FORBIDDEN');
    });

    it('answers 404 for an unknown id and 400 for a non-UUID', async () => {
      expectError(await get(`${USERS}/${randomUUID()}`), 404, 'USER_NOT_FOUND');
      expectError(await get(`${USERS}/12345`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('GET and DELETE /users/:id/sessions', () => {
    it("lists a user's live sessions and ends them all, for admins only", async () => {
      const { id, user, tokens } = await someone();
      const second = await login(app, user);
      const listed = await get(`${USERS}/${id}/sessions`);
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(2);
      expect((listed.body as { current: boolean }[]).map((s) => s.current)).toEqual([false, false]);
      expectError(await get(`${USERS}/${id}/sessions`, tokens.accessToken), 403, 'FORBIDDEN');
      expectError(await call(api(app).delete(`${USERS}/${id}/sessions`).set(bearer(tokens.accessToken))), 403, 'FORBIDDEN');

      const ended = await call(api(app).delete(`${USERS}/${id}/sessions`).set(bearer(admin)));
      expect(ended.status).toBe(204);
      await expectRevoked(tokens.accessToken);
      await expectRevoked(second.accessToken);
      expect((await get(`${USERS}/${id}/sessions`)).body).toEqual([]);
      // The account itself is untouched: the user signs in again.
      expect((await tryLogin(user.username, user.password)).status).toBe(200);
      // The audit trail names the admin who did it.
      const events = await get(`/api/v1/audit-events?userId=${id}&type=session.revoked`);
      const adminId = decodeJwt(admin).payload.sub;
      expect(events.body.items).toEqual([expect.objectContaining({ type: 'session.revoked', actorId: adminId, details: { all: true } })]);
    });

    it('answers 404 for an unknown user and 400 for a non-UUID', async () => {
      expectError(await get(`${USERS}/${randomUUID()}/sessions`), 404, 'USER_NOT_FOUND');
      expectError(await call(api(app).delete(`${USERS}/${randomUUID()}/sessions`).set(bearer(admin))), 404, 'USER_NOT_FOUND');
      expectError(await get(`${USERS}/nope/sessions`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('PATCH /users/:id', () => {
    it('changes roles and ends the sessions that carry the old ones', async () => {
      const { id, user, tokens } = await someone();
      const response = await patch(id, { roles: ['user', 'admin'] });
      expect(response.status).toBe(200);
      expect([...response.body.roles].sort()).toEqual(['admin', 'user']);
      await expectRevoked(tokens.accessToken);
      expectError(
        await call(api(app).post('/api/v1/auth/refresh').send({ refreshToken: tokens.refreshToken })),
        401,
        'REFRESH_TOKEN_INVALID',
      );
      const fresh = await login(app, user);
      expect([...(decodeJwt(fresh.accessToken).payload.roles as string[])].sort()).toEqual(['admin', 'user']);
      expect((await get(USERS, fresh.accessToken)).status).toBe(200);
    });

    it('disables and re-enables a user', async () => {
      const { id, user, tokens } = await someone();
      const disabled = await patch(id, { disabled: true });
      expect(disabled.status).toBe(200);
      expect(disabled.body.disabled).toBe(true);
      await expectRevoked(tokens.accessToken);
      expectError(await tryLogin(user.username, user.password), 403, 'ACCOUNT_DISABLED');
      expectError(await tryLogin(user.username, 'not the right password'), 401, 'INVALID_CREDENTIALS');
      expect((await patch(id, { disabled: false })).body.disabled).toBe(false);
      expect((await tryLogin(user.username, user.password)).status).toBe(200);
    });

    it('changes the email, which must be verified again and works for login', async () => {
      const { id, user, tokens } = await someone();
      expect((await get('/api/v1/auth/me', tokens.accessToken)).body.email).toBe(user.email);
      const email = `moved_${tag()}@example.org`;
      const response = await patch(id, { email });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id, email, emailVerified: false, roles: ['user'] });
      const me = await get('/api/v1/auth/me', tokens.accessToken); // an email change ends no session
      expect(me.status).toBe(200);
      expect(me.body.email).toBe(email);
      expect((await tryLogin(email, user.password)).status).toBe(200);
      expectError(await tryLogin(user.email, user.password), 401, 'INVALID_CREDENTIALS');
    });

    it('refuses an email another user has, in any case, with 409 USER_EXISTS', async () => {
      const taken = await someone();
      const { id, user } = await someone();
      expectError(await patch(id, { email: taken.user.email }), 409, 'USER_EXISTS');
      expectError(await patch(id, { email: taken.user.email.toUpperCase() }), 409, 'USER_EXISTS');
      expect((await get(`${USERS}/${id}`)).body.email).toBe(user.email);
    });

    it.each([
      ['passwordHash', { passwordHash: '$2b$04$abcdefghijklmnopqrstuuM6RFVjFzZ1xJqVJ9JX2J8nR2Rzj9ZEi' }],
      ['username', { username: 'renamed' }],
      ['emailVerified', { emailVerified: true }],
      ["role 'root'", { roles: ['root'] }],
      ['no roles', { roles: [] }],
      ['roles as a string', { roles: 'admin' }],
      ['disabled as a string', { disabled: 'yes' }],
      ['a bad email', { email: 'not-an-email' }],
    ])('answers 400 for %s and changes nothing', async (_, body) => {
      const { id, user } = await someone();
      const before = (await get(`${USERS}/${id}`)).body;
      expectError(await patch(id, body), 400, 'VALIDATION_FAILED');
      expect((await get(`${USERS}/${id}`)).body).toEqual(before);
      expect((await tryLogin(user.username, user.password)).status).toBe(200);
    });

    it('answers 404 for an unknown id and 400 for a non-UUID', async () => {
      expectError(await patch(randomUUID(), { disabled: true }), 404, 'USER_NOT_FOUND');
      expectError(await patch('nope', { disabled: true }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('DELETE /users/:id', () => {
    it('deletes a user and stops their tokens at once', async () => {
      const { id, user, tokens } = await someone();
      const response = await remove(id);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      await expectRevoked(tokens.accessToken);
      expectError(
        await call(api(app).post('/api/v1/auth/refresh').send({ refreshToken: tokens.refreshToken })),
        401,
        'REFRESH_TOKEN_INVALID',
      );
      expectError(await get(`${USERS}/${id}`), 404, 'USER_NOT_FOUND');
      expectError(await tryLogin(user.username, user.password), 401, 'INVALID_CREDENTIALS');
      expectError(await remove(id), 404, 'USER_NOT_FOUND');
      expectError(await remove('nope'), 400, 'VALIDATION_FAILED');
    });

    it('lets the name be registered again afterwards', async () => {
      const { id, user } = await someone();
      expect((await remove(id)).status).toBe(204);
      const again = await register(app, user);
      expect(again.id).not.toBe(id);
    });
  });

  it('refuses PATCH and DELETE to a non-admin, who changes nothing', async () => {
    const mallory = await someone();
    const victim = await someone();
    for (const id of [victim.id, mallory.id]) {
      expectError(await patch(id, { roles: ['admin'] }, mallory.tokens.accessToken), 403, 'FORBIDDEN');
      expectError(await patch(id, { disabled: true }, mallory.tokens.accessToken), 403, 'FORBIDDEN');
      expectError(await remove(id, mallory.tokens.accessToken), 403, 'FORBIDDEN');
    }
    expect((await get(`${USERS}/${victim.id}`)).body).toMatchObject({ roles: ['user'], disabled: false });
    expect((await get('/api/v1/auth/me', victim.tokens.accessToken)).status).toBe(200);
    expect((await get('/api/v1/auth/me', mallory.tokens.accessToken)).body.roles).toEqual(['user']);
  });

  it('never answered with a password, a password field or a bcrypt hash', () => {
    expect(bodies.length).toBeGreaterThan(50);
    const keys = (value: unknown): string[] =>
      value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]) : [];
    for (const text of bodies) {
      expect(text).not.toMatch(/\$2[aby]\$\d\d\$/);
      for (const password of passwords) expect(text).not.toContain(password);
      if (text) expect(keys(JSON.parse(text)).filter((k) => /password/i.test(k))).toEqual([]);
    }
  });
});
