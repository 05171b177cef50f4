import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ADMIN_ENV, api, bearer, decodeJwt, login, newUser, register, TEST_ADMIN, TestUser, TokenPair } from './support/http';
import { describeIf, POSTGRES } from './support/requirements';
import { base32Decode, STEP_MS, stepAt, totpAtStep } from './support/totp';
import { fakeDateOnly } from './support/fake-date';

// API.md "Multi-factor authentication" on SQLite and PostgreSQL. The clock is the test's: Date is faked (timers are
// not) and set to chosen instants, and every TOTP code is computed here from RFC 6238 for the step it is shown at.

const AUTH = '/api/v1/auth';
const MFA = `${AUTH}/mfa`;
const STEP_UP_CHALLENGE =
  'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300';
const RECOVERY_CODE = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

// Date is faked once, before the app's modules load: TypeORM tells date columns by `type === Date`, so the entities
// must be declared with the very Date the app then runs with. It stands still until a test moves it.
fakeDateOnly();
const { createTestApp, createTestDatabase, testDatabases } = await import('./support/test-app');

/** Moves Date on to 10 s into the next time step, a step no code has been shown for. */
function freezeClock(): void {
  jest.setSystemTime((stepAt(Date.now()) + 1) * STEP_MS + 10_000);
}
const later = (ms: number) => jest.setSystemTime(Date.now() + ms);
/** On to the next time step, whose code the user has not shown yet. */
const nextStep = () => later(STEP_MS);
const codeNow = (secret: string) => totpAtStep(secret, stepAt(Date.now()));

interface Enrolled {
  user: TestUser;
  id: string;
  secret: string;
  recoveryCodes: string[];
  /** The session that enrolled. */
  tokens: TokenPair;
}

function errorBody(response: request.Response) {
  return { status: response.status, code: (response.body as { code?: string }).code };
}

describe.each(testDatabases())('second factor on %s', (kind) => {
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
  beforeEach(() => freezeClock());

  const post = (path: string, token?: string) => {
    const call = api(app).post(path);
    return token ? call.set(bearer(token)) : call;
  };
  const passwordStep = (user: TestUser) => post(`${AUTH}/login`).send({ username: user.username, password: user.password });

  async function enrolledUser(): Promise<Enrolled> {
    const { user, id } = await register(app, newUser('mfa'));
    const tokens = await login(app, user);
    const started = await post(`${MFA}/totp`, tokens.accessToken).expect(200);
    const confirmed = await post(`${MFA}/totp/confirm`, tokens.accessToken)
      .send({ code: codeNow(started.body.secret) })
      .expect(200);
    nextStep();
    return { user, id, secret: started.body.secret, recoveryCodes: confirmed.body.recoveryCodes, tokens };
  }

  async function mfaToken(user: TestUser): Promise<string> {
    const response = await passwordStep(user);
    expect(errorBody(response)).toEqual({ status: 401, code: 'MFA_REQUIRED' });
    return response.body.mfaToken as string;
  }

  const verify = (body: object) => post(`${MFA}/verify`).send(body);

  async function mfaLogin(enrolled: Enrolled): Promise<TokenPair> {
    const response = await verify({ mfaToken: await mfaToken(enrolled.user), code: codeNow(enrolled.secret) }).expect(200);
    nextStep();
    return response.body as TokenPair;
  }

  describe('enrolment', () => {
    it('starts pending with a secret, an otpauth URI and a PNG QR code, and turns on only with a code of that secret', async () => {
      const { user } = await register(app, newUser('mfa'));
      const { accessToken } = await login(app, user);
      expect((await api(app).get(MFA).set(bearer(accessToken)).expect(200)).body).toEqual({
        totp: false,
        recoveryCodesLeft: 0,
        passkeys: 0,
      });

      const first = await post(`${MFA}/totp`, accessToken).expect(200);
      expect(Object.keys(first.body).sort()).toEqual(['otpauthUri', 'qrCode', 'secret']);
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(base32Decode(first.body.secret)).toHaveLength(20);
      const uri = new URL(first.body.otpauthUri);
      expect(uri.protocol).toBe('otpauth:');
      expect(uri.host).toBe('totp');
      expect(decodeURIComponent(uri.pathname)).toBe(`/Gatehouse:${user.username}`);
      expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret: first.body.secret, issuer: 'Gatehouse' });
      expect(first.body.qrCode).toMatch(/^data:image\/png;base64,/);
      const png = Buffer.from((first.body.qrCode as string).slice('data:image/png;base64,'.length), 'base64');
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect((await api(app).get(MFA).set(bearer(accessToken))).body.totp).toBe(false);

      // A second start replaces the pending secret: the first one's code no longer confirms.
      const second = await post(`${MFA}/totp`, accessToken).expect(200);
      expect(second.body.secret).not.toBe(first.body.secret);
      const stale = await post(`${MFA}/totp/confirm`, accessToken).send({ code: codeNow(first.body.secret) });
      expect(errorBody(stale)).toEqual({ status: 400, code: 'MFA_CODE_INVALID' });

      const confirmed = await post(`${MFA}/totp/confirm`, accessToken)
        .send({ code: codeNow(second.body.secret) })
        .expect(200);
      expect(confirmed.headers['cache-control']).toBe('no-store');
      expect(confirmed.body.recoveryCodes).toHaveLength(10);
      for (const code of confirmed.body.recoveryCodes) expect(code).toMatch(RECOVERY_CODE);
      expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
      expect((await api(app).get(MFA).set(bearer(accessToken))).body).toEqual({ totp: true, recoveryCodesLeft: 10, passkeys: 0 });
    });

    it('refuses a second confirmation and a new enrolment once TOTP is on (409 MFA_ALREADY_ENABLED), changing nothing', async () => {
      const enrolled = await enrolledUser();
      const again = await post(`${MFA}/totp/confirm`, enrolled.tokens.accessToken).send({ code: codeNow(enrolled.secret) });
      expect(errorBody(again)).toEqual({ status: 409, code: 'MFA_ALREADY_ENABLED' });
      const restart = await post(`${MFA}/totp`, enrolled.tokens.accessToken);
      expect(errorBody(restart)).toEqual({ status: 409, code: 'MFA_ALREADY_ENABLED' });
      await mfaLogin(enrolled);
    });

    it('answers a confirmation with nothing pending 409 MFA_NOT_ENABLED, and malformed codes 400 VALIDATION_FAILED', async () => {
      const { user } = await register(app, newUser('mfa'));
      const { accessToken } = await login(app, user);
      expect(errorBody(await post(`${MFA}/totp/confirm`, accessToken).send({ code: '123456' }))).toEqual({
        status: 409,
        code: 'MFA_NOT_ENABLED',
      });
      await post(`${MFA}/totp`, accessToken).expect(200);
      for (const code of ['12345', '1234567', 'abcdef', '12 456', 123456, null, '']) {
        expect(errorBody(await post(`${MFA}/totp/confirm`, accessToken).send({ code }))).toEqual({
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      expect(errorBody(await post(`${MFA}/totp/confirm`, accessToken).send({ code: '123456', extra: 1 }))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect((await api(app).get(MFA).set(bearer(accessToken))).body.totp).toBe(false);
    });

    it("ends the user's other sessions when TOTP goes on, and keeps the one that turned it on", async () => {
      const { user } = await register(app, newUser('mfa'));
      const other = await login(app, user);
      const { accessToken } = await login(app, user);
      const started = await post(`${MFA}/totp`, accessToken).expect(200);
      await post(`${MFA}/totp/confirm`, accessToken)
        .send({ code: codeNow(started.body.secret) })
        .expect(200);
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(other.accessToken)))).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
      await api(app).get(`${AUTH}/me`).set(bearer(accessToken)).expect(200);
    });
  });

  describe('login with a second factor', () => {
    it('answers a right password with 401 MFA_REQUIRED, an mfaToken and the methods, and opens no session', async () => {
      const enrolled = await enrolledUser();
      const before = (await api(app).get(`${AUTH}/sessions`).set(bearer(enrolled.tokens.accessToken))).body.length;
      const response = await passwordStep(enrolled.user);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        statusCode: 401,
        code: 'MFA_REQUIRED',
        message: expect.any(String),
        error: 'Unauthorized',
        mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        methods: ['totp', 'recovery_code'],
        expiresIn: 300,
      });
      expect(response.headers['set-cookie']).toBeUndefined();
      expect((await api(app).get(`${AUTH}/sessions`).set(bearer(enrolled.tokens.accessToken))).body).toHaveLength(before);
      // The mfaToken is no access token.
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(response.body.mfaToken)))).toEqual({
        status: 401,
        code: 'TOKEN_INVALID',
      });
    });

    it('answers a wrong password exactly as for a user without a second factor', async () => {
      const enrolled = await enrolledUser();
      const { user: plain } = await register(app, newUser('plain'));
      const wrong = (user: TestUser) => post(`${AUTH}/login`).send({ username: user.username, password: `${user.password}x` });
      const [a, b, c] = await Promise.all([wrong(enrolled.user), wrong(plain), wrong(newUser('nobody'))]);
      expect(a.status).toBe(401);
      expect(a.body).toEqual(b.body);
      expect(a.body).toEqual(c.body);
      expect(a.body.code).toBe('INVALID_CREDENTIALS');
      expect(a.headers['www-authenticate']).toBe(b.headers['www-authenticate']);
    });

    it('opens the session with a TOTP code: amr pwd+otp+mfa, auth_time, kept by a refresh', async () => {
      const enrolled = await enrolledUser();
      const token = await mfaToken(enrolled.user);
      const response = await verify({ mfaToken: token, code: codeNow(enrolled.secret) }).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshExpiresIn', 'refreshToken', 'tokenType']);
      const { payload } = decodeJwt(response.body.accessToken);
      expect(payload).toMatchObject({
        sub: enrolled.id,
        amr: ['pwd', 'otp', 'mfa'],
        auth_time: Math.floor(Date.now() / 1000),
        second_factor: true,
      });
      await api(app).get(`${AUTH}/me`).set(bearer(response.body.accessToken)).expect(200);

      later(60_000);
      const refreshed = await post(`${AUTH}/refresh`).send({ refreshToken: response.body.refreshToken }).expect(200);
      const again = decodeJwt(refreshed.body.accessToken).payload;
      expect(again).toMatchObject({ sid: payload.sid, amr: ['pwd', 'otp', 'mfa'], auth_time: payload.auth_time, second_factor: true });
      expect(again.iat).toBeGreaterThan(payload.auth_time as number);

      // The mfaToken was spent.
      expect(errorBody(await verify({ mfaToken: token, code: totpAtStep(enrolled.secret, stepAt(Date.now())) }))).toEqual({
        status: 401,
        code: 'MFA_TOKEN_INVALID',
      });
    });

    it('accepts a TOTP code once: the same code again, inside its window, is MFA_CODE_INVALID', async () => {
      const enrolled = await enrolledUser();
      const code = codeNow(enrolled.secret);
      await verify({ mfaToken: await mfaToken(enrolled.user), code }).expect(200);
      later(5_000); // still the same step
      const replay = await verify({ mfaToken: await mfaToken(enrolled.user), code });
      expect(errorBody(replay)).toEqual({ status: 400, code: 'MFA_CODE_INVALID' });
      // An earlier step's code, still inside the ±1 window, is refused too; the next step's passes.
      const previous = totpAtStep(enrolled.secret, stepAt(Date.now()) - 1);
      const token = await mfaToken(enrolled.user);
      expect(errorBody(await verify({ mfaToken: token, code: previous }))).toEqual({ status: 400, code: 'MFA_CODE_INVALID' });
      await verify({ mfaToken: token, code: totpAtStep(enrolled.secret, stepAt(Date.now()) + 1) }).expect(200);
    });

    it('accepts codes one step off either way and refuses two steps off', async () => {
      const enrolled = await enrolledUser();
      const step = stepAt(Date.now());
      const token = await mfaToken(enrolled.user);
      expect(errorBody(await verify({ mfaToken: token, code: totpAtStep(enrolled.secret, step + 2) }))).toEqual({
        status: 400,
        code: 'MFA_CODE_INVALID',
      });
      await verify({ mfaToken: token, code: totpAtStep(enrolled.secret, step + 1) }).expect(200);
      // Four steps on, step + 2 is two behind (never used, so refused for its age alone) and step + 3 one behind.
      later(4 * STEP_MS);
      const late = await mfaToken(enrolled.user);
      expect(errorBody(await verify({ mfaToken: late, code: totpAtStep(enrolled.secret, step + 2) }))).toEqual({
        status: 400,
        code: 'MFA_CODE_INVALID',
      });
      await verify({ mfaToken: late, code: totpAtStep(enrolled.secret, step + 3) }).expect(200);
    });

    it('opens the session with a recovery code, in any case and without dashes, once', async () => {
      const enrolled = await enrolledUser();
      const [code] = enrolled.recoveryCodes;
      const response = await verify({ mfaToken: await mfaToken(enrolled.user), recoveryCode: code.replace(/-/g, '').toUpperCase() }).expect(
        200,
      );
      expect(decodeJwt(response.body.accessToken).payload.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect((await api(app).get(MFA).set(bearer(response.body.accessToken))).body.recoveryCodesLeft).toBe(9);
      const reused = await verify({ mfaToken: await mfaToken(enrolled.user), recoveryCode: code });
      expect(errorBody(reused)).toEqual({ status: 400, code: 'MFA_CODE_INVALID' });
    });

    it('answers bad input 400 VALIDATION_FAILED and forged or expired tokens 401 MFA_TOKEN_INVALID, changing nothing', async () => {
      const enrolled = await enrolledUser();
      const token = await mfaToken(enrolled.user);
      const code = codeNow(enrolled.secret);
      for (const body of [
        { mfaToken: token, code: '12345' },
        { mfaToken: token, code: '1234567' },
        { mfaToken: token, code: 'abcdef' },
        { mfaToken: token, code: 123456 },
        { mfaToken: token, recoveryCode: 'short' },
        { mfaToken: token, recoveryCode: 'iiii-llll-oooo' },
        { mfaToken: token, code, recoveryCode: enrolled.recoveryCodes[0] },
        { mfaToken: token },
        { code },
        { mfaToken: 42, code },
        { mfaToken: token, code, extra: true },
      ]) {
        const response = await verify(body);
        expect({ body, ...errorBody(response) }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
      }
      for (const forged of ['x', token.replace(/.$/, token.endsWith('A') ? 'B' : 'A'), 'a'.repeat(43)]) {
        expect(errorBody(await verify({ mfaToken: forged, code }))).toEqual({ status: 401, code: 'MFA_TOKEN_INVALID' });
      }
      // None of that spent a try or a recovery code.
      expect((await api(app).get(MFA).set(bearer(enrolled.tokens.accessToken))).body.recoveryCodesLeft).toBe(10);
      await verify({ mfaToken: token, code }).expect(200);

      nextStep();
      const expiring = await mfaToken(enrolled.user);
      later(301_000);
      expect(errorBody(await verify({ mfaToken: expiring, code: codeNow(enrolled.secret) }))).toEqual({
        status: 401,
        code: 'MFA_TOKEN_INVALID',
      });
    });

    it('kills an mfaToken after 5 wrong codes: the 6th attempt is MFA_TOKEN_INVALID even with the right code', async () => {
      const enrolled = await enrolledUser();
      const token = await mfaToken(enrolled.user);
      const wrong = codeNow(enrolled.secret) === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++)
        expect(errorBody(await verify({ mfaToken: token, code: wrong }))).toEqual({ status: 400, code: 'MFA_CODE_INVALID' });
      expect(errorBody(await verify({ mfaToken: token, code: codeNow(enrolled.secret) }))).toEqual({
        status: 401,
        code: 'MFA_TOKEN_INVALID',
      });
    });

    it('counts wrong codes toward the account lockout, and a right password alone does not clear the count', async () => {
      const enrolled = await enrolledUser();
      const wrong = codeNow(enrolled.secret) === '000000' ? '111111' : '000000';
      const first = await mfaToken(enrolled.user);
      for (let i = 0; i < 4; i++) await verify({ mfaToken: first, code: wrong }).expect(400);
      // A right password: another challenge, but the four failures stand; the fifth locks the account.
      const second = await mfaToken(enrolled.user);
      await verify({ mfaToken: second, code: wrong }).expect(400);
      const locked = await passwordStep(enrolled.user);
      expect(errorBody(locked)).toEqual({ status: 429, code: 'TOO_MANY_REQUESTS' });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(errorBody(await verify({ mfaToken: second, code: codeNow(enrolled.secret) }))).toEqual({
        status: 429,
        code: 'TOO_MANY_REQUESTS',
      });
    });

    it('finishes in cookie mode: the tokens in HttpOnly cookies, the CSRF token in the body', async () => {
      const enrolled = await enrolledUser();
      const response = await verify({ mfaToken: await mfaToken(enrolled.user), code: codeNow(enrolled.secret) })
        .set('x-token-transport', 'cookie')
        .expect(200);
      expect(response.body).toEqual({
        tokenType: 'Cookie',
        expiresIn: 900,
        refreshExpiresIn: expect.any(Number),
        csrfToken: expect.any(String),
      });
      const cookies = (response.headers['set-cookie'] as unknown as string[]).map((line) => line.slice(0, line.indexOf(';')));
      const access = cookies.find((c) => c.startsWith('__Host-gh-at='))!;
      expect(cookies.some((c) => c.startsWith('__Secure-gh-rt='))).toBe(true);
      const me = await api(app).get(`${AUTH}/me`).set('cookie', access).expect(200);
      expect(me.body.id).toBe(enrolled.id);
      expect(decodeJwt(access.slice(access.indexOf('=') + 1)).payload.amr).toEqual(['pwd', 'otp', 'mfa']);
    });
  });

  describe('step-up', () => {
    it('asks a stale session to step up with the RFC 9470 challenge, and a password step-up of a user without a second factor makes it recent', async () => {
      const { user } = await register(app, newUser('plain'));
      const tokens = await login(app, user);
      later(6 * 60_000);
      const stale = await post(`${MFA}/recovery-codes`, tokens.accessToken);
      expect(stale.status).toBe(401);
      expect(stale.body).toEqual({ statusCode: 401, code: 'STEP_UP_REQUIRED', message: expect.any(String), error: 'Unauthorized' });
      expect(stale.headers['www-authenticate']).toBe(STEP_UP_CHALLENGE);
      expect(errorBody(await post(`${MFA}/totp`, tokens.accessToken))).toEqual({ status: 401, code: 'STEP_UP_REQUIRED' });

      const wrong = await post(`${AUTH}/step-up`, tokens.accessToken).send({ password: `${user.password}x` });
      expect(errorBody(wrong)).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });

      const stepped = await post(`${AUTH}/step-up`, tokens.accessToken).send({ password: user.password }).expect(200);
      expect(stepped.headers['cache-control']).toBe('no-store');
      const before = decodeJwt(tokens.accessToken).payload;
      const after = decodeJwt(stepped.body.accessToken).payload;
      expect(after).toMatchObject({ sid: before.sid, amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) });
      expect(stepped.body.refreshToken).not.toBe(tokens.refreshToken);
      // Recent now (a user without TOTP gets 409 here, past the step-up check).
      expect(errorBody(await post(`${MFA}/recovery-codes`, stepped.body.accessToken))).toEqual({ status: 409, code: 'MFA_NOT_ENABLED' });
      // The older access token stays valid until it expires, and stays stale.
      await api(app).get(`${AUTH}/me`).set(bearer(tokens.accessToken)).expect(200);
      expect(errorBody(await post(`${MFA}/recovery-codes`, tokens.accessToken))).toEqual({ status: 401, code: 'STEP_UP_REQUIRED' });
      // The refresh token it replaced is spent: refused without ending the session inside the grace window...
      expect(errorBody(await post(`${AUTH}/refresh`).send({ refreshToken: tokens.refreshToken }))).toEqual({
        status: 401,
        code: 'REFRESH_TOKEN_INVALID',
      });
      const refreshed = await post(`${AUTH}/refresh`).send({ refreshToken: stepped.body.refreshToken }).expect(200);
      expect(decodeJwt(refreshed.body.accessToken).payload).toMatchObject({ amr: ['pwd'], auth_time: after.auth_time });
      // ...and as reuse after it, which ends the session.
      later(11_000);
      expect(errorBody(await post(`${AUTH}/refresh`).send({ refreshToken: tokens.refreshToken }))).toEqual({
        status: 401,
        code: 'REFRESH_TOKEN_REUSED',
      });
    });

    it('steps up a cookie session in cookies; the refresh cookie it replaced keeps its grace window (the same successor)', async () => {
      const enrolled = await enrolledUser();
      const cookieValue = (response: request.Response, name: string) => {
        const line = (response.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith(`${name}=`))!;
        return line.slice(name.length + 1, line.indexOf(';'));
      };
      const signedIn = await verify({ mfaToken: await mfaToken(enrolled.user), code: codeNow(enrolled.secret) })
        .set('x-token-transport', 'cookie')
        .expect(200);
      const csrf = signedIn.body.csrfToken as string;
      const oldRefresh = cookieValue(signedIn, '__Secure-gh-rt');
      const jar = `__Host-gh-at=${cookieValue(signedIn, '__Host-gh-at')}; __Secure-gh-rt=${oldRefresh}`;
      nextStep();
      later(6 * 60_000);
      const stale = await post(`${MFA}/recovery-codes`).set({ cookie: jar, 'x-csrf-token': csrf });
      expect(errorBody(stale)).toEqual({ status: 401, code: 'STEP_UP_REQUIRED' });
      expect(
        errorBody(
          await post(`${AUTH}/step-up`)
            .set({ cookie: jar })
            .send({ code: codeNow(enrolled.secret) }),
        ),
      ).toEqual({
        status: 403,
        code: 'CSRF_FAILED',
      });

      const stepped = await post(`${AUTH}/step-up`)
        .set({ cookie: jar, 'x-csrf-token': csrf })
        .send({ code: codeNow(enrolled.secret) })
        .expect(200);
      expect(stepped.body).toEqual({ tokenType: 'Cookie', expiresIn: 900, refreshExpiresIn: expect.any(Number), csrfToken: csrf });
      const newRefresh = cookieValue(stepped, '__Secure-gh-rt');
      expect(newRefresh).not.toBe(oldRefresh);
      const newJar = `__Host-gh-at=${cookieValue(stepped, '__Host-gh-at')}; __Secure-gh-rt=${newRefresh}`;
      await post(`${MFA}/recovery-codes`).set({ cookie: newJar, 'x-csrf-token': csrf }).expect(200);

      // Another tab still holding the old refresh cookie, within the grace window, lands on the same chain.
      const otherTab = await post(`${AUTH}/refresh`)
        .set({ cookie: `__Secure-gh-rt=${oldRefresh}`, 'x-csrf-token': csrf })
        .expect(200);
      expect(cookieValue(otherTab, '__Secure-gh-rt')).toBe(newRefresh);
    });

    it('needs the second factor for a user who has one: a password session is not recent, a password step-up is refused, a code makes it mfa', async () => {
      const enrolled = await enrolledUser();
      // The enrolling session authenticated with the password only: once its token says the user has a second factor, it is not recent.
      const refreshed = (await post(`${AUTH}/refresh`).send({ refreshToken: enrolled.tokens.refreshToken }).expect(200)).body as TokenPair;
      expect(decodeJwt(refreshed.accessToken).payload).toMatchObject({ amr: ['pwd'], second_factor: true });
      const denied = await post(`${MFA}/recovery-codes`, refreshed.accessToken);
      expect(errorBody(denied)).toEqual({ status: 401, code: 'STEP_UP_REQUIRED' });
      expect(denied.headers['www-authenticate']).toBe(STEP_UP_CHALLENGE);

      expect(errorBody(await post(`${AUTH}/step-up`, refreshed.accessToken).send({ password: enrolled.user.password }))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      const wrong = codeNow(enrolled.secret) === '000000' ? '111111' : '000000';
      expect(errorBody(await post(`${AUTH}/step-up`, refreshed.accessToken).send({ code: wrong }))).toEqual({
        status: 400,
        code: 'MFA_CODE_INVALID',
      });
      expect(errorBody(await post(`${AUTH}/step-up`, refreshed.accessToken).send({ code: '123', password: 'x' }))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(errorBody(await post(`${AUTH}/step-up`, refreshed.accessToken).send({}))).toEqual({ status: 400, code: 'VALIDATION_FAILED' });

      const stepped = await post(`${AUTH}/step-up`, refreshed.accessToken)
        .send({ code: codeNow(enrolled.secret) })
        .expect(200);
      expect(decodeJwt(stepped.body.accessToken).payload).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], second_factor: true });
      const fresh = await post(`${MFA}/recovery-codes`, stepped.body.accessToken).expect(200);
      expect(fresh.body.recoveryCodes).toHaveLength(10);
      expect(fresh.body.recoveryCodes).not.toContain(enrolled.recoveryCodes[0]);

      // The old set stopped working; the new one works.
      nextStep();
      const old = await verify({ mfaToken: await mfaToken(enrolled.user), recoveryCode: enrolled.recoveryCodes[0] });
      expect(errorBody(old)).toEqual({ status: 400, code: 'MFA_CODE_INVALID' });
      await verify({ mfaToken: await mfaToken(enrolled.user), recoveryCode: fresh.body.recoveryCodes[0] }).expect(200);
    });

    it('steps up with a recovery code too, and goes stale again after STEP_UP_MAX_AGE', async () => {
      const enrolled = await enrolledUser();
      const session = await mfaLogin(enrolled);
      await post(`${MFA}/recovery-codes`, session.accessToken).expect(200);
      later(5 * 60_000 + 1_000);
      expect(errorBody(await post(`${MFA}/recovery-codes`, session.accessToken))).toEqual({ status: 401, code: 'STEP_UP_REQUIRED' });
      const codes = (
        await post(`${AUTH}/step-up`, session.accessToken)
          .send({ code: codeNow(enrolled.secret) })
          .expect(200)
      ).body as TokenPair;
      const { recoveryCodes } = (await post(`${MFA}/recovery-codes`, codes.accessToken).expect(200)).body as { recoveryCodes: string[] };
      later(6 * 60_000);
      const viaRecovery = await post(`${AUTH}/step-up`, codes.accessToken).send({ recoveryCode: recoveryCodes[3] }).expect(200);
      expect(decodeJwt(viaRecovery.body.accessToken).payload.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(errorBody(await post(`${AUTH}/step-up`, codes.accessToken).send({ recoveryCode: recoveryCodes[3] }))).toEqual({
        status: 400,
        code: 'MFA_CODE_INVALID',
      });
    });

    it('turns TOTP off only after a recent second factor; the other sessions end and the password alone logs in again', async () => {
      const enrolled = await enrolledUser();
      const other = await mfaLogin(enrolled);
      const session = await mfaLogin(enrolled);
      later(6 * 60_000);
      expect(errorBody(await api(app).delete(`${MFA}/totp`).set(bearer(session.accessToken)))).toEqual({
        status: 401,
        code: 'STEP_UP_REQUIRED',
      });
      const stepped = (
        await post(`${AUTH}/step-up`, session.accessToken)
          .send({ code: codeNow(enrolled.secret) })
          .expect(200)
      ).body as TokenPair;
      await api(app).delete(`${MFA}/totp`).set(bearer(stepped.accessToken)).expect(204);
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(other.accessToken)))).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
      expect((await api(app).get(MFA).set(bearer(stepped.accessToken))).body).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 0 });
      expect(errorBody(await api(app).delete(`${MFA}/totp`).set(bearer(stepped.accessToken)))).toEqual({
        status: 409,
        code: 'MFA_NOT_ENABLED',
      });
      const plain = await passwordStep(enrolled.user).expect(200);
      expect(decodeJwt(plain.body.accessToken).payload.amr).toEqual(['pwd']);
      expect(decodeJwt(plain.body.accessToken).payload.second_factor).toBeUndefined();
    });

    it('keeps on the session whether its user has a second factor, so a refresh reads no factor table; older sessions ask', async () => {
      const enrolled = await enrolledUser();
      const sessions = app.get(DataSource).getRepository<{ userId: string; secondFactor: boolean | null }>('Session');
      expect((await sessions.findBy({ userId: enrolled.id })).map((s) => s.secondFactor)).toEqual([true]);
      // A session from before the column: its refresh asks the second-factor features, and answers alike.
      await sessions.update({ userId: enrolled.id }, { secondFactor: null });
      const refreshed = (await post(`${AUTH}/refresh`).send({ refreshToken: enrolled.tokens.refreshToken }).expect(200)).body as TokenPair;
      expect(decodeJwt(refreshed.accessToken).payload).toMatchObject({ second_factor: true });
    });
  });

  describe('audit trail', () => {
    interface AuditEvent {
      type: string;
      userId: string;
      actorId: string | null;
      outcome: string;
      details: { method?: string; reset?: boolean };
    }
    async function eventsOf(userId: string): Promise<AuditEvent[]> {
      const admin = await login(app, TEST_ADMIN);
      const page = await api(app).get('/api/v1/audit-events').query({ userId, limit: 100 }).set(bearer(admin.accessToken)).expect(200);
      return (page.body.items as AuditEvent[]).reverse(); // oldest first
    }

    it('records every second-factor event, with no code or secret in it', async () => {
      const enrolled = await enrolledUser();
      await verify({ mfaToken: await mfaToken(enrolled.user), code: '000000' === codeNow(enrolled.secret) ? '111111' : '000000' });
      const session = await mfaLogin(enrolled);
      await verify({ mfaToken: await mfaToken(enrolled.user), recoveryCode: enrolled.recoveryCodes[0] }).expect(200);
      await post(`${MFA}/recovery-codes`, session.accessToken).expect(200);
      later(6 * 60_000);
      await post(`${AUTH}/step-up`, session.accessToken).send({ code: '999999' === codeNow(enrolled.secret) ? '888888' : '999999' });
      const stepped = (
        await post(`${AUTH}/step-up`, session.accessToken)
          .send({ code: codeNow(enrolled.secret) })
          .expect(200)
      ).body as TokenPair;
      await api(app).delete(`${MFA}/totp`).set(bearer(stepped.accessToken)).expect(204);

      const events = await eventsOf(enrolled.id);
      // The test's clock stands still, so events share their time: compared as a set, not in order.
      const summary = events.map((e) => [e.type, e.outcome, e.details.method ?? null].join(' ')).sort();
      const expected = [
        ['user.registered', 'success', null],
        ['login.succeeded', 'success', 'password'],
        ['mfa.enabled', 'success', 'totp'],
        ['mfa.failed', 'failure', 'totp'],
        ['login.succeeded', 'success', 'mfa'],
        ['mfa.recovery_code_used', 'success', null],
        ['login.succeeded', 'success', 'mfa'],
        ['mfa.recovery_codes_regenerated', 'success', null],
        ['mfa.failed', 'failure', 'totp'],
        ['mfa.disabled', 'success', 'totp'],
      ];
      expect(summary).toEqual(expected.map((e) => e.join(' ')).sort());
      for (const event of events.filter((e) => e.outcome === 'success' && e.type !== 'user.registered')) {
        expect(event.actorId).toBe(enrolled.id);
      }
      const text = JSON.stringify(events);
      for (const secret of [enrolled.secret, ...enrolled.recoveryCodes]) expect(text).not.toContain(secret);
    });

    it("records an admin's reset as mfa.disabled with the admin as actor", async () => {
      const admin = await login(app, TEST_ADMIN);
      const adminId = decodeJwt(admin.accessToken).payload.sub;
      const enrolled = await enrolledUser();
      await api(app).delete(`/api/v1/users/${enrolled.id}/mfa`).set(bearer(admin.accessToken)).expect(204);
      const events = await eventsOf(enrolled.id);
      expect(events.find((e) => e.type === 'mfa.disabled')).toMatchObject({
        type: 'mfa.disabled',
        actorId: adminId,
        details: { reset: true },
      });
    });
  });

  describe('admin', () => {
    it("shows whether a user has MFA (never a secret) and resets it, ending that user's sessions", async () => {
      const admin = await login(app, TEST_ADMIN);
      const enrolled = await enrolledUser();
      const session = await mfaLogin(enrolled);

      const status = await api(app).get(`/api/v1/users/${enrolled.id}/mfa`).set(bearer(admin.accessToken)).expect(200);
      expect(status.body).toEqual({ totp: true, recoveryCodesLeft: 10, passkeys: 0 });
      expect(JSON.stringify(status.body)).not.toContain(enrolled.secret);
      expect(errorBody(await api(app).get(`/api/v1/users/${enrolled.id}/mfa`).set(bearer(session.accessToken)))).toEqual({
        status: 403,
        code: 'FORBIDDEN',
      });
      expect(errorBody(await api(app).delete(`/api/v1/users/${enrolled.id}/mfa`).set(bearer(session.accessToken)))).toEqual({
        status: 403,
        code: 'FORBIDDEN',
      });
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect(errorBody(await api(app).get(`/api/v1/users/${unknown}/mfa`).set(bearer(admin.accessToken)))).toEqual({
        status: 404,
        code: 'USER_NOT_FOUND',
      });
      expect(errorBody(await api(app).delete(`/api/v1/users/${unknown}/mfa`).set(bearer(admin.accessToken)))).toEqual({
        status: 404,
        code: 'USER_NOT_FOUND',
      });
      expect(errorBody(await api(app).delete(`/api/v1/users/not-a-uuid/mfa`).set(bearer(admin.accessToken)))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });

      await api(app).delete(`/api/v1/users/${enrolled.id}/mfa`).set(bearer(admin.accessToken)).expect(204);
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(session.accessToken)))).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(enrolled.tokens.accessToken)))).toEqual({
        status: 401,
        code: 'TOKEN_REVOKED',
      });
      expect((await api(app).get(`/api/v1/users/${enrolled.id}/mfa`).set(bearer(admin.accessToken))).body).toEqual({
        totp: false,
        recoveryCodesLeft: 0,
        passkeys: 0,
      });
      await passwordStep(enrolled.user).expect(200);
    });

    it("drops a deleted user's secret, recovery codes and pending logins with them", async () => {
      const admin = await login(app, TEST_ADMIN);
      const enrolled = await enrolledUser();
      await mfaToken(enrolled.user);
      const rows = () =>
        Promise.all(
          ['TotpCredential', 'RecoveryCode', 'MfaChallenge'].map((entity) =>
            app.get(DataSource).getRepository(entity).countBy({ userId: enrolled.id }),
          ),
        );
      expect(await rows()).toEqual([1, 10, 1]);
      await api(app).delete(`/api/v1/users/${enrolled.id}`).set(bearer(admin.accessToken)).expect(204);
      expect(await rows()).toEqual([0, 0, 0]);
    });
  });

  it('keeps no TOTP secret, recovery code or mfaToken in clear anywhere in the database', async () => {
    const enrolled = await enrolledUser();
    const pending = await mfaToken(enrolled.user);
    const { user } = await register(app, newUser('pending'));
    const { accessToken } = await login(app, user);
    const pendingSecret = (await post(`${MFA}/totp`, accessToken).expect(200)).body.secret as string;

    const dump = await dumpDatabase(app.get(DataSource));
    expect(dump).toContain(enrolled.id);
    for (const secret of [enrolled.secret, pendingSecret]) {
      const raw = base32Decode(secret);
      for (const form of [secret, secret.toLowerCase(), raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')]) {
        expect(dump).not.toContain(form);
      }
      expect(dump.includes(raw.toString('latin1'))).toBe(false);
    }
    for (const code of enrolled.recoveryCodes) {
      for (const form of [code, code.replace(/-/g, ''), code.toUpperCase(), code.replace(/-/g, '').toUpperCase()])
        expect(dump).not.toContain(form);
    }
    expect(dump).not.toContain(pending);
  });
});

/** Every row of every table, as text. */
async function dumpDatabase(dataSource: DataSource): Promise<string> {
  const schema = (dataSource.options as { schema?: string }).schema;
  const tables =
    dataSource.options.type === 'postgres'
      ? (
          await dataSource.query<{ table_name: string }[]>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [
            schema,
          ])
        ).map((t) => `"${schema}"."${t.table_name}"`)
      : (await dataSource.query<{ name: string }[]>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => `"${t.name}"`);
  expect(tables.length).toBeGreaterThan(5);
  const rows = await Promise.all(tables.map(async (table) => [table, await dataSource.query<unknown[]>(`SELECT * FROM ${table}`)]));
  return JSON.stringify(rows, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('latin1') : value));
}

describe.each(testDatabases())('REQUIRE_MFA_FOR_ADMINS on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url, ...ADMIN_ENV, REQUIRE_MFA_FOR_ADMINS: 'true' });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  it('refuses admin routes to an admin token without mfa (403 MFA_ENROLLMENT_REQUIRED) and admits one after TOTP', async () => {
    freezeClock();
    const { accessToken } = await login(app, TEST_ADMIN);
    expect(errorBody(await api(app).get('/api/v1/users').set(bearer(accessToken)))).toEqual({
      status: 403,
      code: 'MFA_ENROLLMENT_REQUIRED',
    });
    await api(app).get('/api/v1/auth/me').set(bearer(accessToken)).expect(200);
    const started = await api(app).post(`${MFA}/totp`).set(bearer(accessToken)).expect(200);
    await api(app)
      .post(`${MFA}/totp/confirm`)
      .set(bearer(accessToken))
      .send({ code: codeNow(started.body.secret) })
      .expect(200);
    nextStep();
    const challenge = await api(app)
      .post(`${AUTH}/login`)
      .send({ username: TEST_ADMIN.username, password: TEST_ADMIN.password })
      .expect(401);
    const session = await api(app)
      .post(`${MFA}/verify`)
      .send({ mfaToken: challenge.body.mfaToken, code: codeNow(started.body.secret) })
      .expect(200);
    await api(app).get('/api/v1/users').set(bearer(session.body.accessToken)).expect(200);
    // A user route is no admin route.
    const { user } = await register(app, newUser('plain'));
    const plain = await login(app, user);
    expect(errorBody(await api(app).get('/api/v1/users').set(bearer(plain.accessToken)))).toEqual({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('without DATA_ENCRYPTION_KEY in production', () => {
  it('starts, answers enrolment 503 MFA_UNAVAILABLE, and refuses to start once the database holds TOTP secrets', async () => {
    const db = await createTestDatabase('sqlite');
    const keyed = await createTestApp({ DATABASE_URL: db.url });
    const { user } = await register(keyed, newUser('mfa'));
    const tokens = await login(keyed, user);
    const started = await api(keyed).post(`${MFA}/totp`).set(bearer(tokens.accessToken)).expect(200);
    await keyed.close();

    const production = { NODE_ENV: 'production', DATA_ENCRYPTION_KEY: undefined, SWAGGER_ENABLED: 'false' };
    const empty = await createTestDatabase('sqlite');
    const keyless = await createTestApp({ DATABASE_URL: empty.url, ...production });
    try {
      const { user: other } = await register(keyless, newUser('mfa'));
      const { accessToken } = await login(keyless, other);
      const refused = await api(keyless).post(`${MFA}/totp`).set(bearer(accessToken));
      expect(errorBody(refused)).toEqual({ status: 503, code: 'MFA_UNAVAILABLE' });
      expect((await api(keyless).get(MFA).set(bearer(accessToken))).body).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 0 });
    } finally {
      await keyless.close();
    }
    expect(started.body.secret).toBeDefined();
    await expect(createTestApp({ DATABASE_URL: db.url, ...production })).rejects.toThrow(/DATA_ENCRYPTION_KEY is required/);
  });
});

describeIf(POSTGRES)('second factor across two instances on one PostgreSQL database', () => {
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    a = await createTestApp({ DATABASE_URL: db.url });
    b = await createTestApp({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('finishes on one instance the login whose password step ran on the other, and a code spent on one is spent on both', async () => {
    freezeClock();
    const { user } = await register(a, newUser('mfa'));
    const tokens = await login(a, user);
    const started = await api(a).post(`${MFA}/totp`).set(bearer(tokens.accessToken)).expect(200);
    await api(b)
      .post(`${MFA}/totp/confirm`)
      .set(bearer(tokens.accessToken))
      .send({ code: codeNow(started.body.secret) })
      .expect(200);
    nextStep();
    const challenge = await api(a).post(`${AUTH}/login`).send({ username: user.username, password: user.password }).expect(401);
    const code = codeNow(started.body.secret);
    const session = await api(b).post(`${MFA}/verify`).send({ mfaToken: challenge.body.mfaToken, code }).expect(200);
    await api(a).get(`${AUTH}/me`).set(bearer(session.body.accessToken)).expect(200);
    expect(errorBody(await api(a).post(`${MFA}/verify`).send({ mfaToken: challenge.body.mfaToken, code }))).toEqual({
      status: 401,
      code: 'MFA_TOKEN_INVALID',
    });
    const second = await api(b).post(`${AUTH}/login`).send({ username: user.username, password: user.password }).expect(401);
    expect(errorBody(await api(a).post(`${MFA}/verify`).send({ mfaToken: second.body.mfaToken, code }))).toEqual({
      status: 400,
      code: 'MFA_CODE_INVALID',
    });
  });
});
