import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource, IsNull } from 'typeorm';
import { OneTimeToken } from '../src/auth/recovery/one-time-token.entity';
import { DEFAULT_ONE_TIME_TOKEN_TTLS, ONE_TIME_TOKEN_TTLS } from '../src/auth/recovery/one-time-tokens.service';
import { MAIL_DELIVERY } from '../src/mail/mail.service';
import { ADMIN_ENV, api, bearer, login, newUser, register, registerAndLogin, TEST_ADMIN, TestUser } from './support/http';
import { startSmtpListener, SmtpListener, tokenOf } from './support/smtp-listener';
import { createTestApp, createTestDatabase, DatabaseKind, TestAppOptions, testDatabases } from './support/test-app';

const FORGOT = '/api/v1/auth/password/forgot';
const RESET = '/api/v1/auth/password/reset';
const VERIFY = '/api/v1/auth/email/verify';
const RESEND = '/api/v1/auth/email/resend';
const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/auth/me';
const APP_URL = 'https://accounts.example.test/app';
const FORGOT_BODY = { message: 'If an account has this address, a reset link is on its way' };

/** Retries in milliseconds rather than seconds, so the failure cases finish quickly. */
const FAST_RETRIES: TestAppOptions['override'] = (builder) =>
  builder.overrideProvider(MAIL_DELIVERY).useValue({ attempts: 3, firstRetryDelayMs: 20 });

const error = (statusCode: number, code: string, errorName: string) => ({
  statusCode,
  code,
  message: expect.anything(),
  error: errorName,
});

/** One app on a fresh database with a mail listener, closed (with its database) after the enclosing describe. */
function appWithMail(kind: DatabaseKind, env: Record<string, string>, options: TestAppOptions = {}, listener = { reject: false }) {
  const ctx = {} as { app: NestFastifyApplication; smtp: SmtpListener };
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    ctx.smtp = await startSmtpListener(listener);
    ctx.app = await createTestApp({ DATABASE_URL: db.url, SMTP_URL: ctx.smtp.url, APP_URL, ...env }, options);
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.smtp?.close();
    await drop?.();
  });
  return ctx;
}

describe.each(testDatabases())('mail on %s', (kind) => {
  describe('password reset and verification over SMTP', () => {
    const ctx = appWithMail(kind, { ...ADMIN_ENV, LOGIN_MAX_FAILURES: '3' }, { override: FAST_RETRIES });
    const post = (path: string, body?: object) => api(ctx.app).post(path).send(body);

    /** Registers a user and reads (and discards) the verification mail that registration sends. */
    async function registered(user: TestUser = newUser()) {
      const result = await register(ctx.app, user);
      const verification = await ctx.smtp.take(user.email);
      return { ...result, verificationToken: tokenOf(verification) };
    }

    async function resetToken(user: TestUser): Promise<string> {
      await post(FORGOT, { email: user.email }).expect(202);
      return tokenOf(await ctx.smtp.take(user.email));
    }

    it('resets a password end to end: the link from the mail sets it, the old password stops working', async () => {
      const { user } = await registered();
      const forgot = await post(FORGOT, { email: user.email.toUpperCase() });
      expect(forgot.status).toBe(202);
      expect(forgot.body).toEqual(FORGOT_BODY);

      const mail = await ctx.smtp.take(user.email);
      expect(mail.subject).toBe('Reset your password');
      const token = tokenOf(mail);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(mail.text).toContain(`${APP_URL}/reset-password?token=${token}`);
      expect(mail.text).toContain('30 minutes');
      expect(mail.html).toContain(`href="${APP_URL}/reset-password?token=${token}"`);

      const newPassword = `new ${user.password}`;
      await post(RESET, { token, newPassword }).expect(204);
      expect((await post(LOGIN, { username: user.username, password: user.password })).status).toBe(401);
      const tokens = await login(ctx.app, { username: user.username, password: newPassword });
      // The mail reached the address, which is therefore verified too.
      expect((await api(ctx.app).get(ME).set(bearer(tokens.accessToken))).body.emailVerified).toBe(true);
    });

    it('spends a reset token once: a second use answers 400 RESET_TOKEN_INVALID', async () => {
      const { user } = await registered();
      const token = await resetToken(user);
      await post(RESET, { token, newPassword: `first ${user.password}` }).expect(204);
      const again = await post(RESET, { token, newPassword: `second ${user.password}` });
      expect(again.status).toBe(400);
      expect(again.body).toEqual(error(400, 'RESET_TOKEN_INVALID', 'Bad Request'));
    });

    it('lets exactly one of concurrent uses of a token succeed', async () => {
      const { user } = await registered();
      const token = await resetToken(user);
      const results = await Promise.all([1, 2, 3, 4].map((n) => post(RESET, { token, newPassword: `try ${n} ${user.password}` })));
      expect(results.map((r) => r.status).sort()).toEqual([204, 400, 400, 400]);
    });

    it('voids the earlier reset token when a new one is requested', async () => {
      const { user } = await registered();
      const first = await resetToken(user);
      const second = await resetToken(user);
      expect((await post(RESET, { token: first, newPassword: `one ${user.password}` })).body.code).toBe('RESET_TOKEN_INVALID');
      await post(RESET, { token: second, newPassword: `two ${user.password}` }).expect(204);
    });

    it('ends every session of the user: an old access token answers 401 TOKEN_REVOKED, an old refresh token fails', async () => {
      const { user } = await registered();
      const first = await login(ctx.app, user);
      const second = await login(ctx.app, user);
      const token = await resetToken(user);
      await post(RESET, { token, newPassword: `fresh ${user.password}` }).expect(204);
      for (const session of [first, second]) {
        const me = await api(ctx.app).get(ME).set(bearer(session.accessToken));
        expect(me.status).toBe(401);
        expect(me.body.code).toBe('TOKEN_REVOKED');
      }
      expect((await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(401);
    });

    it('clears the login lock', async () => {
      const { user } = await registered();
      let status = 0;
      for (let i = 0; i < 5 && status !== 429; i++)
        status = (await post(LOGIN, { username: user.username, password: 'wrong password!' })).status;
      expect(status).toBe(429);
      const newPassword = `unlocked ${user.password}`;
      await post(RESET, { token: await resetToken(user), newPassword }).expect(204);
      await login(ctx.app, { username: user.username, password: newPassword });
    });

    it('answers an unknown address with the same 202 and sends nothing', async () => {
      const unknown = newUser('nobody');
      const response = await post(FORGOT, { email: unknown.email });
      expect(response.status).toBe(202);
      expect(response.body).toEqual(FORGOT_BODY);
      // A mail requested after it arrives; by then the unknown address would have had its own.
      const { user } = await registered();
      await resetToken(user);
      expect(ctx.smtp.received.filter((m) => m.to === unknown.email)).toEqual([]);
    });

    it.each([
      ['unknown', 'A'.repeat(43)],
      ['malformed', 'not a token'],
      ['empty', ''],
    ])('refuses an %s reset token with 400 RESET_TOKEN_INVALID', async (_name, token) => {
      const response = await post(RESET, { token, newPassword: 'a perfectly fine passphrase' });
      expect(response.status).toBe(400);
      expect(response.body).toEqual(error(400, 'RESET_TOKEN_INVALID', 'Bad Request'));
    });

    it('refuses a new password that breaks a rule of registration, and keeps the token usable', async () => {
      const { user } = await registered();
      const token = await resetToken(user);
      // Eleven characters: over the fixed minimum, under PASSWORD_MIN_LENGTH (12).
      const weak = await post(RESET, { token, newPassword: 'abcdefghijk' });
      expect(weak.status).toBe(400);
      expect(weak.body).toEqual(error(400, 'VALIDATION_FAILED', 'Bad Request'));
      expect(weak.body.message).toEqual(['newPassword must be at least 12 characters']);
      await post(RESET, { token, newPassword: `strong ${user.password}` }).expect(204);
    });

    it('refuses a forgot request without a valid address (400) and unknown fields', async () => {
      expect((await post(FORGOT, { email: 'not-an-address' })).body.code).toBe('VALIDATION_FAILED');
      expect((await post(FORGOT, { email: 'a@example.com', extra: 1 })).status).toBe(400);
    });

    it('verifies an address end to end with the link mailed at registration, once', async () => {
      const user = newUser();
      const { tokens } = await registerAndLogin(ctx.app, user);
      const mail = await ctx.smtp.take(user.email);
      expect(mail.subject).toBe('Confirm your email address');
      const token = tokenOf(mail);
      expect(mail.text).toContain(`${APP_URL}/verify-email?token=${token}`);
      expect((await api(ctx.app).get(ME).set(bearer(tokens.accessToken))).body.emailVerified).toBe(false);

      await post(VERIFY, { token }).expect(204);
      expect((await api(ctx.app).get(ME).set(bearer(tokens.accessToken))).body.emailVerified).toBe(true);
      const again = await post(VERIFY, { token });
      expect(again.status).toBe(400);
      expect(again.body).toEqual(error(400, 'VERIFY_TOKEN_INVALID', 'Bad Request'));
    });

    it('does not accept a reset token as a verification token, nor the reverse', async () => {
      const { user, verificationToken } = await registered();
      expect((await post(RESET, { token: verificationToken, newPassword: `x ${user.password}` })).body.code).toBe('RESET_TOKEN_INVALID');
      const reset = await resetToken(user);
      expect((await post(VERIFY, { token: reset })).body.code).toBe('VERIFY_TOKEN_INVALID');
    });

    it('resends a verification link on request (202); the new link works and the old one is void', async () => {
      const { user, verificationToken } = await registered();
      const tokens = await login(ctx.app, user);
      await api(ctx.app).post(RESEND).set(bearer(tokens.accessToken)).expect(202);
      const fresh = tokenOf(await ctx.smtp.take(user.email));
      expect((await post(VERIFY, { token: verificationToken })).body.code).toBe('VERIFY_TOKEN_INVALID');
      await post(VERIFY, { token: fresh }).expect(204);
    });

    it('limits resends per address with 429 and Retry-After', async () => {
      const { user } = await registered();
      const tokens = await login(ctx.app, user);
      let response = await api(ctx.app).post(RESEND).set(bearer(tokens.accessToken));
      for (let i = 0; i < 10 && response.status === 202; i++) response = await api(ctx.app).post(RESEND).set(bearer(tokens.accessToken));
      expect(response.status).toBe(429);
      expect(response.body.code).toBe('TOO_MANY_REQUESTS');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('needs a bearer token to resend', async () => {
      expect((await post(RESEND)).status).toBe(401);
    });

    it('mails a new link when an admin changes the address, and the link to the old address no longer verifies', async () => {
      const { id, verificationToken } = await registered();
      const admin = await login(ctx.app, TEST_ADMIN);
      const address = newUser('moved').email;
      await api(ctx.app).patch(`/api/v1/users/${id}`).set(bearer(admin.accessToken)).send({ email: address }).expect(200);
      const token = tokenOf(await ctx.smtp.take(address));
      expect((await post(VERIFY, { token: verificationToken })).body.code).toBe('VERIFY_TOKEN_INVALID');
      await post(VERIFY, { token }).expect(204);
    });

    it('creates the bootstrap admin with a verified address', async () => {
      const admin = await login(ctx.app, TEST_ADMIN);
      expect((await api(ctx.app).get(ME).set(bearer(admin.accessToken))).body.emailVerified).toBe(true);
    });
  });

  describe('REQUIRE_EMAIL_VERIFICATION=true, reset links valid for one second', () => {
    const ctx = appWithMail(
      kind,
      { ...ADMIN_ENV, REQUIRE_EMAIL_VERIFICATION: 'true' },
      {
        override: (builder) =>
          FAST_RETRIES(builder)
            .overrideProvider(ONE_TIME_TOKEN_TTLS)
            .useValue({ ...DEFAULT_ONE_TIME_TOKEN_TTLS, password_reset: 1 }),
      },
    );
    const post = (path: string, body?: object) => api(ctx.app).post(path).send(body);

    it('refuses an unverified user 403 EMAIL_NOT_VERIFIED with the right password, 401 with a wrong one, and lets them in once verified', async () => {
      const { user } = await register(ctx.app);
      const token = tokenOf(await ctx.smtp.take(user.email));

      const unverified = await post(LOGIN, { username: user.username, password: user.password });
      expect(unverified.status).toBe(403);
      expect(unverified.body).toEqual(error(403, 'EMAIL_NOT_VERIFIED', 'Forbidden'));
      const wrong = await post(LOGIN, { username: user.username, password: 'not the password at all' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('INVALID_CREDENTIALS');

      await post(VERIFY, { token }).expect(204);
      await login(ctx.app, user);
    });

    it('still lets the bootstrap admin log in', async () => {
      await login(ctx.app, TEST_ADMIN);
    });

    it('refuses an expired reset token with 400 RESET_TOKEN_INVALID', async () => {
      const { user } = await register(ctx.app);
      await post(FORGOT, { email: user.email }).expect(202);
      // The first mail is the verification; the reset follows.
      const mails = [await ctx.smtp.take(user.email), await ctx.smtp.take(user.email)];
      const reset = mails.find((m) => m.subject === 'Reset your password')!;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const response = await post(RESET, { token: tokenOf(reset), newPassword: `late ${user.password}` });
      expect(response.status).toBe(400);
      expect(response.body).toEqual(error(400, 'RESET_TOKEN_INVALID', 'Bad Request'));
    });
  });

  describe('a relay that refuses every mail', () => {
    const lines: string[] = [];
    const destination = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
    const ctx = appWithMail(kind, { LOG_LEVEL: 'warn' }, { override: FAST_RETRIES, logDestination: destination }, { reject: true });

    it('still answers 202 at once, keeps the token, and logs each failed attempt and the final failure', async () => {
      const { user, id } = await register(ctx.app);
      const started = Date.now();
      await api(ctx.app).post(FORGOT).send({ email: user.email }).expect(202);
      expect(Date.now() - started).toBeLessThan(1000);

      // Registration's verification mail and the reset mail: three attempts each.
      const deadline = Date.now() + 5000;
      while ((ctx.smtp.attempts.get(user.email) ?? 0) < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ctx.smtp.attempts.get(user.email)).toBe(6);
      expect(ctx.smtp.received).toEqual([]);

      const text = lines.map((line) => (JSON.parse(line) as { msg: string }).msg).join('\n');
      expect(text).toContain(`mail to ${user.email}: attempt 1 of 3 failed`);
      expect(text).toContain(`mail to ${user.email}: attempt 2 of 3 failed`);
      expect(text).toMatch(/mail "Reset your password" to \S+ failed: gave up after 3 attempts/);
      // With SMTP configured no link (and so no token) is ever logged.
      expect(text).not.toContain('token=');

      const stored = await ctx.app
        .get(DataSource)
        .getRepository(OneTimeToken)
        .find({ where: { userId: id, usedAt: IsNull() }, order: { purpose: 'ASC' } });
      expect(stored.map((token) => token.purpose)).toEqual(['email_verification', 'password_reset']);
    });
  });
});
