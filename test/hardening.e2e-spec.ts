import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { api, bearer, login, newUser, register, registerAndLogin, TestUser } from './support/http';
import { describeIf, REDIS } from './support/requirements';
import { createTestApp, createTestDatabase, DatabaseKind, testDatabases } from './support/test-app';

// Brute force, enumeration, per-address limits, hash upgrades and password rules (issue 4, SECURITY.md).
// Only the most recently created app authenticates correctly (passport is process-wide): each describe below boots
// its own app in beforeAll and closes it in afterAll, and they run one after another.

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/auth/me';

type Reply = { status: number; body: unknown; headers: Record<string, string> };

function expectError(response: Reply, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, code, message: expect.anything(), error: expect.any(String) },
  });
}

/** A 429 TOO_MANY_REQUESTS whose Retry-After is a whole number of seconds in 1..max; returns it. */
function expectTooMany(response: Reply, maxSeconds: number): number {
  expectError(response, 429, 'TOO_MANY_REQUESTS');
  expect(response.headers['retry-after']).toMatch(/^\d+$/);
  const seconds = Number(response.headers['retry-after']);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  return seconds;
}

const attempt = (app: NestFastifyApplication, username: string, password: string) => api(app).post(LOGIN).send({ username, password });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The stored bcrypt hash of a user, read past the API (which never returns it). */
async function storedHash(app: NestFastifyApplication, username: string): Promise<string> {
  const row = await app
    .get(DataSource)
    .createQueryBuilder()
    .select('u.password_hash', 'h')
    .from('users', 'u')
    .where('u.username_normalized = :n', { n: username.toLowerCase() })
    .getRawOne<{ h: string }>();
  return row!.h;
}

/** A fresh database and an app on it, booted in beforeAll and closed (and the database dropped) in afterAll. */
function appOn(kind: DatabaseKind, env: Record<string, string>) {
  const ctx = {} as { app: NestFastifyApplication; url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    Object.assign(ctx, { url: db.url, drop: db.drop });
    ctx.app = await createTestApp({ DATABASE_URL: db.url, ...env });
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.drop?.();
  });
  return ctx;
}

describe.each(testDatabases())('hardening on %s', (kind) => {
  describe('per-account lockout (LOGIN_MAX_FAILURES=3, LOGIN_LOCK_SECONDS=2)', () => {
    const ctx = appOn(kind, { LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '2' });

    it('answers 401 to 3 wrong passwords, then 429 even to the right one, and lets the owner in after the lock', async () => {
      const { user } = await register(ctx.app, newUser('locked'));
      for (let i = 0; i < 3; i++) expectError(await attempt(ctx.app, user.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      const wait = expectTooMany(await attempt(ctx.app, user.username, user.password), 2);
      expectTooMany(await attempt(ctx.app, user.username, 'wrong password here'), 2);
      // Another account is not affected.
      await registerAndLogin(ctx.app, newUser('bystander'));
      await sleep(wait * 1000 + 250);
      const after = await attempt(ctx.app, user.username, user.password);
      expect(after.status).toBe(200);
      expect(after.body.accessToken).toEqual(expect.any(String));
    }, 15_000);

    it('resets the count on a success (2 wrong, right, 3 wrong are all 401; the next is 429)', async () => {
      const { user } = await register(ctx.app, newUser('reset'));
      for (let i = 0; i < 2; i++) expectError(await attempt(ctx.app, user.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      expect((await attempt(ctx.app, user.username, user.password)).status).toBe(200);
      for (let i = 0; i < 3; i++) expectError(await attempt(ctx.app, user.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      expectTooMany(await attempt(ctx.app, user.username, user.password), 2);
    });

    it('counts logins by username and by email against the same account', async () => {
      const { user } = await register(ctx.app, newUser('aliases'));
      expectError(await attempt(ctx.app, user.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      expectError(await attempt(ctx.app, user.email, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      expectError(await attempt(ctx.app, user.username.toUpperCase(), 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      expectTooMany(await attempt(ctx.app, user.email, user.password), 2);
    });

    it('locks a name that does not exist exactly like one that does (a lock reveals nothing)', async () => {
      const ghost = `ghost_${randomBytes(4).toString('hex')}`;
      const { user } = await register(ctx.app, newUser('real'));
      const replies = { ghost: [] as Reply[], real: [] as Reply[] };
      for (const name of [ghost, ghost.toUpperCase(), ` ${ghost} `, ghost])
        replies.ghost.push(await attempt(ctx.app, name, 'wrong password here'));
      for (let i = 0; i < 4; i++) replies.real.push(await attempt(ctx.app, user.username, 'wrong password here'));
      for (const replies_ of [replies.ghost, replies.real]) {
        for (const reply of replies_.slice(0, 3)) expectError(reply, 401, 'INVALID_CREDENTIALS');
        expectTooMany(replies_[3], 2);
      }
      expect(replies.ghost.map((r) => r.body)).toEqual(replies.real.map((r) => r.body));
    });
  });

  describe('lockout across a restart (LOGIN_LOCK_SECONDS=30)', () => {
    const ctx = appOn(kind, { LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '30' });

    it('keeps the lock in the database: a new app on the same DATABASE_URL still answers 429', async () => {
      const { user } = await register(ctx.app, newUser('restart'));
      for (let i = 0; i < 3; i++) expectError(await attempt(ctx.app, user.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      expectTooMany(await attempt(ctx.app, user.username, user.password), 30);
      await ctx.app.close();
      ctx.app = await createTestApp({ DATABASE_URL: ctx.url, LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '30' });
      const seconds = expectTooMany(await attempt(ctx.app, user.username, user.password), 30);
      expect(seconds).toBeGreaterThan(20);
    }, 20_000);
  });

  describe('no user enumeration through login', () => {
    // Cost 8 (not the suite's 4) so a skipped bcrypt compare on unknown names would show as a clear gap in time.
    const ctx = appOn(kind, { BCRYPT_COST: '8', LOGIN_MAX_FAILURES: '1000' });

    it('answers an unknown user and a wrong password with the same status, headers, body and about the same time', async () => {
      const { user } = await register(ctx.app, newUser('enum'));
      const unknown = `nobody_${randomBytes(4).toString('hex')}`;
      const timed = async (username: string) => {
        const start = performance.now();
        const response = await attempt(ctx.app, username, 'not the password 123');
        return { response, ms: performance.now() - start };
      };
      await timed(user.username); // warm-up of both paths
      await timed(unknown);
      const wrong: number[] = [];
      const missing: number[] = [];
      for (let i = 0; i < 5; i++) {
        const a = await timed(user.username);
        const b = await timed(unknown);
        wrong.push(a.ms);
        missing.push(b.ms);
        expectError(a.response, 401, 'INVALID_CREDENTIALS');
        expect(b.response.status).toBe(a.response.status);
        expect(b.response.body).toEqual(a.response.body);
        expect(b.response.headers['www-authenticate']).toBe(a.response.headers['www-authenticate']);
        expect(b.response.headers['content-length']).toBe(a.response.headers['content-length']);
      }
      const ratio = median(missing) / median(wrong);
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    }, 20_000);
  });

  describe('per-address limit (AUTH_RATE_LIMIT_PER_MINUTE=5)', () => {
    const ctx = appOn(kind, { AUTH_RATE_LIMIT_PER_MINUTE: '5' });

    it('answers the 6th public auth request from one address with 429 and Retry-After; guarded routes stay open', async () => {
      const user = newUser('limited');
      expect((await api(ctx.app).post(REGISTER).send(user)).status).toBe(201); // 1
      const tokens = await login(ctx.app, user); // 2
      const refreshed = await api(ctx.app).post(REFRESH).send({ refreshToken: tokens.refreshToken }); // 3
      expect(refreshed.status).toBe(200);
      expectError(await attempt(ctx.app, user.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS'); // 4
      expectError(await api(ctx.app).post(REGISTER).send({ username: 'x' }), 400, 'VALIDATION_FAILED'); // 5
      expectTooMany(await attempt(ctx.app, user.username, user.password), 60); // 6
      expectTooMany(await api(ctx.app).post(REGISTER).send(newUser('late')), 60);
      expectTooMany(await api(ctx.app).post(REFRESH).send({ refreshToken: refreshed.body.refreshToken }), 60);
      for (let i = 0; i < 8; i++) {
        const me = await api(ctx.app).get(ME).set(bearer(refreshed.body.accessToken));
        expect(me.status).toBe(200);
      }
    });

    it('ignores X-Forwarded-For without TRUST_PROXY (a client cannot buy a fresh budget)', async () => {
      const spoofed = await attempt(ctx.app, 'anyone', 'any password 123').set('x-forwarded-for', '203.0.113.50');
      expectTooMany(spoofed, 60);
    });
  });

  describe('per-address limit behind a trusted proxy (TRUST_PROXY=127.0.0.1)', () => {
    const ctx = appOn(kind, { AUTH_RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '127.0.0.1' });

    /** One public auth request from `ip`, cycling through the three routes. */
    const spend = (ip: string, i: number) => {
      const request = [
        () => api(ctx.app).post(REGISTER).send(newUser('proxied')),
        () =>
          api(ctx.app)
            .post(LOGIN)
            .send({ username: `nobody_${i}_${ip}`, password: 'some password 123' }),
        () => api(ctx.app).post(REFRESH).send({ refreshToken: 'not-a-refresh-token' }),
      ][i % 3]();
      return request.set('x-forwarded-for', ip);
    };

    it('gives each client address its own budget', async () => {
      for (const ip of ['198.51.100.1', '198.51.100.2']) {
        for (let i = 0; i < 5; i++) expect((await spend(ip, i)).status).not.toBe(429);
        expectTooMany(await spend(ip, 5), 60);
      }
      // The proxy's own address and a third client are untouched.
      expect((await api(ctx.app).post(REFRESH).send({ refreshToken: 'x' })).status).not.toBe(429);
      expect((await spend('198.51.100.3', 0)).status).not.toBe(429);
      // Addresses a client prepends to the header are not trusted: the proxy's entry (the last) is the client.
      expectTooMany(await spend('198.51.100.99, 198.51.100.1', 1), 60);
    });
  });

  describeIf(REDIS)('per-address limit shared through Redis', () => {
    const redisUrl = process.env.TEST_REDIS_URL!;
    // A client address of this run only, so parallel or repeated runs never share a counter.
    const ip = `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
    const key = `gatehouse:rate:auth:${ip}`;
    const env = { AUTH_RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '127.0.0.1', REDIS_URL: redisUrl };
    let redis: Redis;
    let url: string;
    let drop: () => Promise<void>;
    let app: NestFastifyApplication | undefined;

    beforeAll(async () => {
      redis = new Redis(redisUrl);
      await redis.del(key);
      ({ url, drop } = await createTestDatabase(kind));
    });
    afterAll(async () => {
      await app?.close();
      await redis?.del(key);
      redis?.disconnect();
      await drop?.();
    });

    const spend = (target: NestFastifyApplication, i: number) =>
      (i % 2
        ? api(target)
            .post(LOGIN)
            .send({ username: `nobody_${i}`, password: 'some password 123' })
        : api(target).post(REFRESH).send({ refreshToken: 'not-a-refresh-token' })
      ).set('x-forwarded-for', ip);

    it('counts requests to two apps in sequence together (the counters live in Redis)', async () => {
      app = await createTestApp({ DATABASE_URL: url, ...env });
      for (let i = 0; i < 3; i++) expect((await spend(app, i)).status).toBe(401);
      expect(await redis.get(key)).toBe('3');
      await app.close();
      app = await createTestApp({ DATABASE_URL: url, ...env });
      for (let i = 3; i < 5; i++) expect((await spend(app, i)).status).toBe(401);
      expectTooMany(await spend(app, 5), 60);
      expect(Number(await redis.get(key))).toBe(6);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }, 20_000);
  });

  describe('bcrypt hash upgrade when BCRYPT_COST rises', () => {
    let url: string;
    let drop: () => Promise<void>;
    let app: NestFastifyApplication | undefined;
    beforeAll(async () => ({ url, drop } = await createTestDatabase(kind)));
    afterAll(async () => {
      await app?.close();
      await drop?.();
    });

    it('re-hashes at the new cost on the next successful login, and only then', async () => {
      app = await createTestApp({ DATABASE_URL: url, BCRYPT_COST: '4' });
      const { user } = await register(app, newUser('upgrade'));
      const { user: idle } = await register(app, newUser('idle'));
      expect(await storedHash(app, user.username)).toMatch(/^\$2[aby]\$04\$/);
      await app.close();

      app = await createTestApp({ DATABASE_URL: url, BCRYPT_COST: '5' });
      await login(app, user);
      expectError(await attempt(app, idle.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
      let hash = '';
      for (const deadline = Date.now() + 2000; Date.now() < deadline; await sleep(50)) {
        hash = await storedHash(app, user.username);
        if (!hash.includes('$04$')) break;
      }
      expect(hash).toMatch(/^\$2[aby]\$05\$/);
      expect(await storedHash(app, idle.username)).toMatch(/^\$2[aby]\$04\$/);
      await login(app, user);
      expectError(await attempt(app, user.username, 'wrong password here'), 401, 'INVALID_CREDENTIALS');
    }, 20_000);
  });

  describe('password rules', () => {
    const ctx = appOn(kind, {});
    const messages = (response: Reply) => (response.body as { message: string[] }).message;
    const registerWith = (password: string, extra: Partial<TestUser> = {}) =>
      api(ctx.app)
        .post(REGISTER)
        .send({ ...newUser('rules'), password, ...extra });

    it.each(['qwerty123456', 'LeaveMeAlone', '123qweasdzxc'])('refuses the common password %j', async (password) => {
      const user = { ...newUser('common'), password };
      const response = await api(ctx.app).post(REGISTER).send(user);
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(messages(response)).toEqual([expect.stringMatching(/^password .*commonly used/)]);
      expectError(await attempt(ctx.app, user.username, password), 401, 'INVALID_CREDENTIALS');
    });

    it('refuses a common password as a new password too', async () => {
      const { user, tokens } = await registerAndLogin(ctx.app, newUser('changer'));
      const response = await api(ctx.app)
        .patch('/api/v1/auth/password')
        .set(bearer(tokens.accessToken))
        .send({ currentPassword: user.password, newPassword: 'qwerty123456' });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(messages(response)).toEqual([expect.stringMatching(/^newPassword .*commonly used/)]);
    });

    it.each([
      ['73 ASCII bytes', 'a'.repeat(73)],
      ['74 bytes in 37 characters', 'é'.repeat(37)],
      ['72 bytes and a 4-byte emoji', 'b'.repeat(72) + '🔑'],
    ])('refuses a password of %s, with a message about the byte limit', async (_name, password) => {
      const response = await registerWith(password);
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(messages(response)).toEqual([expect.stringMatching(/^password .*72 bytes/)]);
    });

    it('accepts exactly 72 bytes, and never logs in with a longer password that shares them', async () => {
      for (const password of ['c'.repeat(72), 'é'.repeat(36)]) {
        const user = { ...newUser('edge'), password };
        expect((await api(ctx.app).post(REGISTER).send(user)).status).toBe(201);
        await login(ctx.app, user);
        expect((await attempt(ctx.app, user.username, password + 'x')).status).not.toBe(200);
      }
    });

    it('lists the password problems alongside the other fields', async () => {
      const response = await api(ctx.app).post(REGISTER).send({ username: 'x', email: 'not-an-email', password: 'password' });
      expectError(response, 400, 'VALIDATION_FAILED');
      const list = messages(response);
      expect(list).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^username/),
          expect.stringMatching(/^email/),
          expect.stringMatching(/^password must be at least 12 characters/),
          expect.stringMatching(/^password .*commonly used/),
        ]),
      );
      expect(list).toHaveLength(4);
    });
  });
});
