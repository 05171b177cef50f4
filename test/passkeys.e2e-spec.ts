import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ADMIN_ENV, api, bearer, decodeJwt, login, newUser, registerAndLogin, TEST_ADMIN, TestUser, TokenPair } from './support/http';
import { describeIf, POSTGRES } from './support/requirements';
import { STEP_MS, stepAt, totpAtStep } from './support/totp';
import {
  AuthenticationResponse,
  Cbor,
  encodeCbor,
  FLAG,
  Forgery,
  PasskeyOptions,
  RegistrationResponse,
  SoftwarePasskey,
} from './support/webauthn-authenticator';
import { fakeDateOnly } from './support/fake-date';

// API.md "Passkeys" on SQLite and PostgreSQL, against a software authenticator of the test's own
// (support/webauthn-authenticator.ts: P-256 keys made at run time, CBOR and signatures written from the WebAuthn
// specification), so no response is made by the library that checks it. Date is faked as in mfa.e2e-spec.ts (timers
// are not) and stands still until a test moves it: sessions go stale and challenges expire when the test says.

jest.setTimeout(60_000);

const AUTH = '/api/v1/auth';
const MFA = `${AUTH}/mfa`;
const PASSKEYS = `${AUTH}/passkeys`;
const RP_ID = 'app.gatehouse.test';
const ORIGIN = `https://${RP_ID}`;
/** A second page allowed to run ceremonies: WEBAUTHN_ORIGINS is a list. */
const LOGIN_ORIGIN = `https://login.${RP_ID}`;
const WEBAUTHN_ENV = { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: `${ORIGIN},${LOGIN_ORIGIN}` };
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STEP_UP_CHALLENGE =
  'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300';
const SYNCED = FLAG.UP | FLAG.UV | FLAG.BE | FLAG.BS;

// Date is faked before the app's modules load (see mfa.e2e-spec.ts: TypeORM tells date columns by `type === Date`).
fakeDateOnly();
const { createTestApp, createTestDatabase, testDatabases } = await import('./support/test-app');

const later = (ms: number) => jest.setSystemTime(Date.now() + ms);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Polls on the real clock (Date stands still here) until `check` holds. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Descriptor {
  id: string;
  type: string;
  transports?: string[];
}

interface CreationOptionsJSON {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  excludeCredentials: Descriptor[];
  [member: string]: unknown;
}

interface RequestOptionsJSON {
  challenge: string;
  rpId: string;
  allowCredentials: Descriptor[];
  userVerification: string;
  [member: string]: unknown;
}

interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
}

/** A user with one passkey, and the password session that added it (still recent: its token predates the passkey). */
interface Holder {
  user: TestUser;
  id: string;
  tokens: TokenPair;
  passkey: SoftwarePasskey;
  passkeyId: string;
}

function errorBody(response: request.Response) {
  return { status: response.status, code: (response.body as { code?: string }).code };
}

const sortedAmr = (token: string) => [...(decodeJwt(token).payload.amr as string[])].sort();
const userHandleOf = (userId: string) => Buffer.from(userId, 'utf8').toString('base64url');

describe.each(testDatabases())('passkeys on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url, ...ADMIN_ENV, ...WEBAUTHN_ENV });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });
  // Past any STEP_UP_MAX_AGE an earlier test left a session at; each test makes its own sessions.
  beforeEach(() => later(60 * 60_000));

  const post = (path: string, token?: string) => {
    const call = api(app).post(path);
    return token ? call.set(bearer(token)) : call;
  };
  const authenticator = (options?: PasskeyOptions) => new SoftwarePasskey(ORIGIN, RP_ID, options);

  async function creationOptions(token: string): Promise<CreationOptionsJSON> {
    const response = await post(`${PASSKEYS}/registration/options`, token);
    expect(errorBody(response)).toEqual({ status: 200, code: undefined });
    return response.body as CreationOptionsJSON;
  }
  const registrationVerify = (token: string, body: object) => post(`${PASSKEYS}/registration/verify`, token).send(body);

  async function addPasskey(token: string, passkey: SoftwarePasskey = authenticator(), name?: string): Promise<PasskeyView> {
    const response = await registrationVerify(token, { response: passkey.register(await creationOptions(token)), ...(name && { name }) });
    expect(errorBody(response)).toEqual({ status: 201, code: undefined });
    return response.body as PasskeyView;
  }

  async function withPasskey(options?: PasskeyOptions): Promise<Holder> {
    const { user, id, tokens } = await registerAndLogin(app, newUser('pk'));
    const passkey = authenticator(options);
    const added = await addPasskey(tokens.accessToken, passkey);
    return { user, id, tokens, passkey, passkeyId: added.id };
  }

  async function requestOptions(body: object = {}, token?: string): Promise<RequestOptionsJSON> {
    const response = await post(`${PASSKEYS}/authentication/options`, token).send(body);
    expect(errorBody(response)).toEqual({ status: 200, code: undefined });
    return response.body as RequestOptionsJSON;
  }
  const assertionVerify = (body: object) => post(`${PASSKEYS}/authentication/verify`).send(body);

  /** A passwordless sign-in: options with `{}`, the passkey's assertion. */
  async function passwordless(passkey: SoftwarePasskey, forgery?: Forgery): Promise<TokenPair> {
    const response = await assertionVerify({ response: passkey.authenticate(await requestOptions(), forgery) });
    expect(errorBody(response)).toEqual({ status: 200, code: undefined });
    return response.body as TokenPair;
  }

  async function mfaToken(user: TestUser): Promise<string> {
    const response = await post(`${AUTH}/login`).send({ username: user.username, password: user.password });
    expect(errorBody(response)).toEqual({ status: 401, code: 'MFA_REQUIRED' });
    return response.body.mfaToken as string;
  }

  /** A password login finished with the passkey. */
  async function secondFactorLogin(holder: Holder, forgery?: Forgery): Promise<TokenPair> {
    const token = await mfaToken(holder.user);
    const options = await requestOptions({ mfaToken: token });
    const response = await assertionVerify({ response: holder.passkey.authenticate(options, forgery), mfaToken: token });
    expect(errorBody(response)).toEqual({ status: 200, code: undefined });
    return response.body as TokenPair;
  }

  const listOf = async (token: string) => (await api(app).get(PASSKEYS).set(bearer(token)).expect(200)).body as PasskeyView[];
  const stored = (id: string) => app.get(DataSource).getRepository('Passkey').findOneByOrFail({ id }) as Promise<{ counter: number }>;

  describe('registration', () => {
    it('answers options for a discoverable ES256 or RS256 credential without attestation, and excludes the passkeys the user has', async () => {
      const { user, id, tokens } = await registerAndLogin(app, newUser('pk'));
      const options = await creationOptions(tokens.accessToken);
      expect(options).toMatchObject({
        rp: { id: RP_ID, name: 'Gatehouse' },
        user: { id: userHandleOf(id), name: user.username, displayName: user.username },
        challenge: expect.stringMatching(CHALLENGE),
        pubKeyCredParams: [
          { type: 'public-key', alg: -7 },
          { type: 'public-key', alg: -257 },
        ],
        timeout: 300_000,
        attestation: 'none',
        excludeCredentials: [],
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      });
      expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
      expect((await creationOptions(tokens.accessToken)).challenge).not.toBe(options.challenge);

      const passkey = authenticator();
      const created = await registrationVerify(tokens.accessToken, { response: passkey.register(options) });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Passkey',
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        backedUp: false,
      });

      const next = await creationOptions(tokens.accessToken);
      expect(next.excludeCredentials).toEqual([{ id: passkey.id, type: 'public-key', transports: ['internal'] }]);
      expect(await listOf(tokens.accessToken)).toEqual([created.body]);
    });

    it('takes a name (trimmed, 1-64 characters) and records a synced passkey as backed up', async () => {
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      expect(await addPasskey(tokens.accessToken, authenticator({ flags: SYNCED }), '  Laptop  ')).toMatchObject({
        name: 'Laptop',
        backedUp: true,
      });
      expect((await addPasskey(tokens.accessToken, authenticator(), 'n'.repeat(64))).name).toBe('n'.repeat(64));
      // User verification is preferred, not required, when a passkey is added.
      expect((await addPasskey(tokens.accessToken, authenticator({ flags: FLAG.UP }))).name).toBe('Passkey');

      const options = await creationOptions(tokens.accessToken);
      const response = authenticator().register(options);
      for (const name of ['', '   ', 'n'.repeat(65), 42, ['x']]) {
        const refused = await registrationVerify(tokens.accessToken, { response, name });
        expect({ name, ...errorBody(refused) }).toEqual({ name, status: 400, code: 'VALIDATION_FAILED' });
      }
      // A body refused for its shape spent nothing: the same response still registers.
      await registrationVerify(tokens.accessToken, { response }).expect(201);
      expect(await listOf(tokens.accessToken)).toHaveLength(4);
    });

    it('needs a recent authentication: a stale session, and a password session once the user has a passkey, get 401 STEP_UP_REQUIRED', async () => {
      const { user, tokens } = await registerAndLogin(app, newUser('pk'));
      later(6 * 60_000);
      const stale = await post(`${PASSKEYS}/registration/options`, tokens.accessToken);
      expect(errorBody(stale)).toEqual({ status: 401, code: 'STEP_UP_REQUIRED' });
      expect(stale.headers['www-authenticate']).toBe(STEP_UP_CHALLENGE);
      const stepped = (await post(`${AUTH}/step-up`, tokens.accessToken).send({ password: user.password }).expect(200)).body as TokenPair;
      await addPasskey(stepped.accessToken);

      // Its refreshed token says the user has a second factor: a password alone is no longer recent, nor a step-up with it.
      const refreshed = (await post(`${AUTH}/refresh`).send({ refreshToken: stepped.refreshToken }).expect(200)).body as TokenPair;
      expect(decodeJwt(refreshed.accessToken).payload.amr).toEqual(['pwd']);
      expect(errorBody(await post(`${PASSKEYS}/registration/options`, refreshed.accessToken))).toEqual({
        status: 401,
        code: 'STEP_UP_REQUIRED',
      });
      expect(errorBody(await post(`${AUTH}/step-up`, refreshed.accessToken).send({ password: user.password }))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(errorBody(await post(`${PASSKEYS}/registration/options`))).toEqual({ status: 401, code: 'TOKEN_MISSING' });
    });

    it('refuses every response that does not answer this user’s registration challenge from this RP: 400 PASSKEY_INVALID, nothing stored', async () => {
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      const other = await registerAndLogin(app, newUser('pk'));
      const refusals: [string, (passkey: SoftwarePasskey) => Promise<object>][] = [
        ['wrong origin', async (p) => p.register(await creationOptions(tokens.accessToken), { origin: 'https://evil.example' })],
        ['http origin', async (p) => p.register(await creationOptions(tokens.accessToken), { origin: `http://${RP_ID}` })],
        ['origin with a port', async (p) => p.register(await creationOptions(tokens.accessToken), { origin: `${ORIGIN}:8443` })],
        ['wrong RP ID', async (p) => p.register(await creationOptions(tokens.accessToken), { rpId: 'gatehouse.test' })],
        ['type webauthn.get', async (p) => p.register(await creationOptions(tokens.accessToken), { type: 'webauthn.get' })],
        ['user not present', async (p) => p.register(await creationOptions(tokens.accessToken), { flags: FLAG.UV | FLAG.AT })],
        ['no attested credential data', async (p) => p.register(await creationOptions(tokens.accessToken), { flags: FLAG.UP | FLAG.UV })],
        ['unknown challenge', (p) => Promise.resolve(p.register({ challenge: randomBytes(32).toString('base64url'), user: { id: 'x' } }))],
        ['another user’s challenge', async (p) => p.register(await creationOptions(other.tokens.accessToken))],
        ['a sign-in challenge', async (p) => p.register({ ...(await requestOptions()), user: { id: 'x' } })],
        [
          'an expired challenge',
          async (p) => {
            const options = await creationOptions(tokens.accessToken);
            later(301_000);
            return p.register(options);
          },
        ],
      ];
      for (const [title, build] of refusals) {
        const refused = await registrationVerify(tokens.accessToken, { response: await build(authenticator()) });
        expect({ title, ...errorBody(refused) }).toEqual({ title, status: 400, code: 'PASSKEY_INVALID' });
      }
      expect(await listOf(tokens.accessToken)).toEqual([]);
      expect(await listOf(other.tokens.accessToken)).toEqual([]);
    });

    it('spends a challenge once, and never registers one credential twice, for the same user or another', async () => {
      const holder = await withPasskey();
      const other = await registerAndLogin(app, newUser('pk'));
      // A challenge answered twice: the second answer is refused even from another authenticator.
      const options = await creationOptions(holder.tokens.accessToken);
      await registrationVerify(holder.tokens.accessToken, { response: authenticator().register(options) }).expect(201);
      expect(errorBody(await registrationVerify(holder.tokens.accessToken, { response: authenticator().register(options) }))).toEqual({
        status: 400,
        code: 'PASSKEY_INVALID',
      });
      // A challenge is spent by a first answer that fails, too.
      const spent = await creationOptions(holder.tokens.accessToken);
      const fresh = authenticator();
      await registrationVerify(holder.tokens.accessToken, { response: fresh.register(spent, { origin: 'https://evil.example' }) }).expect(
        400,
      );
      expect(errorBody(await registrationVerify(holder.tokens.accessToken, { response: fresh.register(spent) }))).toEqual({
        status: 400,
        code: 'PASSKEY_INVALID',
      });

      const again = await registrationVerify(holder.tokens.accessToken, {
        response: holder.passkey.register(await creationOptions(holder.tokens.accessToken)),
      });
      expect(errorBody(again)).toEqual({ status: 400, code: 'PASSKEY_INVALID' });
      const taken = await registrationVerify(other.tokens.accessToken, {
        response: holder.passkey.register(await creationOptions(other.tokens.accessToken)),
      });
      expect(errorBody(taken)).toEqual({ status: 400, code: 'PASSKEY_INVALID' });
      expect(await listOf(other.tokens.accessToken)).toEqual([]);
      expect(await listOf(holder.tokens.accessToken)).toHaveLength(2);

      // Two answers racing with one new credential: one is stored, the other refused (never a 500).
      const racer = authenticator();
      const [a, b] = [await creationOptions(other.tokens.accessToken), await creationOptions(other.tokens.accessToken)];
      const raced = await Promise.all([a, b].map((o) => registrationVerify(other.tokens.accessToken, { response: racer.register(o) })));
      expect(raced.map((r) => r.status).sort()).toEqual([201, 400]);
      expect(await listOf(other.tokens.accessToken)).toHaveLength(1);

      holder.passkey.userHandle = userHandleOf(holder.id);
      await passwordless(holder.passkey);
    });

    it('stops at 20 passkeys: options answer 409 PASSKEY_LIMIT_REACHED, and no answer gets past the limit', async () => {
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      for (let i = 0; i < 19; i++) await addPasskey(tokens.accessToken);
      const [first, second] = [await creationOptions(tokens.accessToken), await creationOptions(tokens.accessToken)];
      await registrationVerify(tokens.accessToken, { response: authenticator().register(first) }).expect(201);
      expect(errorBody(await post(`${PASSKEYS}/registration/options`, tokens.accessToken))).toEqual({
        status: 409,
        code: 'PASSKEY_LIMIT_REACHED',
      });
      const over = await registrationVerify(tokens.accessToken, { response: authenticator().register(second) });
      expect(errorBody(over)).toEqual({ status: 409, code: 'PASSKEY_LIMIT_REACHED' });

      // Back at 19, two answers at once: one gets the last place.
      const list = await listOf(tokens.accessToken);
      expect(list).toHaveLength(20);
      await api(app).delete(`${PASSKEYS}/${list[0].id}`).set(bearer(tokens.accessToken)).expect(204);
      const pair = [await creationOptions(tokens.accessToken), await creationOptions(tokens.accessToken)];
      const raced = await Promise.all(pair.map((o) => registrationVerify(tokens.accessToken, { response: authenticator().register(o) })));
      expect(raced.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(await listOf(tokens.accessToken)).toHaveLength(20);
    });

    it("ends the user's other sessions when the first passkey is added, not when another is", async () => {
      const { user, tokens } = await registerAndLogin(app, newUser('pk'));
      const other = await login(app, user);
      const passkey = authenticator();
      await addPasskey(tokens.accessToken, passkey);
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(other.accessToken)))).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
      await api(app).get(`${AUTH}/me`).set(bearer(tokens.accessToken)).expect(200);

      const third = await passwordless(passkey);
      await addPasskey(tokens.accessToken);
      await api(app).get(`${AUTH}/me`).set(bearer(third.accessToken)).expect(200);
    });
  });

  describe('managing passkeys', () => {
    it('lists them oldest first, never with a key or counter, and renames one', async () => {
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      const first = await addPasskey(tokens.accessToken, authenticator(), 'Phone');
      later(1000);
      const second = await addPasskey(tokens.accessToken, authenticator(), 'Laptop');
      later(1000);
      const third = await addPasskey(tokens.accessToken);
      const list = await listOf(tokens.accessToken);
      expect(list.map((p) => p.id)).toEqual([first.id, second.id, third.id]);
      for (const passkey of list) expect(Object.keys(passkey).sort()).toEqual(['backedUp', 'createdAt', 'id', 'lastUsedAt', 'name']);
      expect(Date.parse(list[0].createdAt)).toBeLessThan(Date.parse(list[1].createdAt));

      const renamed = await api(app).patch(`${PASSKEYS}/${second.id}`).set(bearer(tokens.accessToken)).send({ name: ' Work laptop ' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({ ...second, name: 'Work laptop' });
      expect((await listOf(tokens.accessToken))[1].name).toBe('Work laptop');
      for (const body of [{ name: '' }, { name: 'n'.repeat(65) }, {}, { name: 'ok', extra: 1 }, { name: 7 }]) {
        const refused = await api(app).patch(`${PASSKEYS}/${second.id}`).set(bearer(tokens.accessToken)).send(body);
        expect({ body, ...errorBody(refused) }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
      }
      expect(errorBody(await api(app).get(PASSKEYS))).toEqual({ status: 401, code: 'TOKEN_MISSING' });
    });

    it("answers 404 PASSKEY_NOT_FOUND for an unknown passkey and for another user's, and 400 for an id that is no UUID", async () => {
      const holder = await withPasskey();
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      const unknown = '00000000-0000-4000-8000-000000000000';
      for (const id of [holder.passkeyId, unknown]) {
        expect(errorBody(await api(app).patch(`${PASSKEYS}/${id}`).set(bearer(tokens.accessToken)).send({ name: 'mine' }))).toEqual({
          status: 404,
          code: 'PASSKEY_NOT_FOUND',
        });
        expect(errorBody(await api(app).delete(`${PASSKEYS}/${id}`).set(bearer(tokens.accessToken)))).toEqual({
          status: 404,
          code: 'PASSKEY_NOT_FOUND',
        });
      }
      expect(errorBody(await api(app).patch(`${PASSKEYS}/not-a-uuid`).set(bearer(tokens.accessToken)).send({ name: 'x' }))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(errorBody(await api(app).delete(`${PASSKEYS}/not-a-uuid`).set(bearer(tokens.accessToken)))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect((await listOf(holder.tokens.accessToken)).map((p) => p.name)).toEqual(['Passkey']);
      await passwordless(holder.passkey);
    });

    it("removes one only after a recent authentication; removing the last ends the user's other sessions, and it signs in no more", async () => {
      const holder = await withPasskey();
      const session = await passwordless(holder.passkey);
      const other = await passwordless(holder.passkey);
      later(6 * 60_000);
      const stale = await api(app).delete(`${PASSKEYS}/${holder.passkeyId}`).set(bearer(session.accessToken));
      expect(errorBody(stale)).toEqual({ status: 401, code: 'STEP_UP_REQUIRED' });
      expect(stale.headers['www-authenticate']).toBe(STEP_UP_CHALLENGE);
      const stepped = (
        await post(`${AUTH}/step-up`, session.accessToken)
          .send({ passkey: holder.passkey.authenticate(await requestOptions({}, session.accessToken)) })
          .expect(200)
      ).body as TokenPair;

      await api(app).delete(`${PASSKEYS}/${holder.passkeyId}`).set(bearer(stepped.accessToken)).expect(204);
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(other.accessToken)))).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
      await api(app).get(`${AUTH}/me`).set(bearer(stepped.accessToken)).expect(200);
      expect(await listOf(stepped.accessToken)).toEqual([]);
      expect(errorBody(await api(app).delete(`${PASSKEYS}/${holder.passkeyId}`).set(bearer(stepped.accessToken)))).toEqual({
        status: 404,
        code: 'PASSKEY_NOT_FOUND',
      });
      // A deleted credential signs in no more; the password alone does again.
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(await requestOptions()) }))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      const plain = await post(`${AUTH}/login`).send({ username: holder.user.username, password: holder.user.password }).expect(200);
      expect(decodeJwt(plain.body.accessToken).payload.amr).toEqual(['pwd']);
    });

    it('keeps the other sessions when a passkey goes and a second factor stays', async () => {
      const holder = await withPasskey();
      const spare = authenticator();
      const spareView = await addPasskey(holder.tokens.accessToken, spare);
      const session = await passwordless(holder.passkey);
      const other = await passwordless(spare);
      await api(app).delete(`${PASSKEYS}/${holder.passkeyId}`).set(bearer(session.accessToken)).expect(204);
      await api(app).get(`${AUTH}/me`).set(bearer(other.accessToken)).expect(200);
      expect((await listOf(session.accessToken)).map((p) => p.id)).toEqual([spareView.id]);
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(await requestOptions()) }))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      await passwordless(spare);
    });
  });

  describe('passwordless sign-in', () => {
    it('answers options with no allowCredentials and user verification required, and signs in with amr hwk, user, mfa', async () => {
      const holder = await withPasskey();
      const options = await requestOptions();
      expect(options).toMatchObject({
        challenge: expect.stringMatching(CHALLENGE),
        rpId: RP_ID,
        allowCredentials: [],
        userVerification: 'required',
        timeout: 300_000,
      });
      expect((await requestOptions()).challenge).not.toBe(options.challenge);

      const response = await assertionVerify({ response: holder.passkey.authenticate(options) });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshExpiresIn', 'refreshToken', 'tokenType']);
      const { payload } = decodeJwt(response.body.accessToken);
      expect(payload).toMatchObject({
        sub: holder.id,
        username: holder.user.username,
        amr: ['hwk', 'user', 'mfa'],
        auth_time: nowSeconds(),
      });
      await api(app).get(`${AUTH}/me`).set(bearer(response.body.accessToken)).expect(200);
      // Two factors on its own, so recent: it may add a passkey.
      await addPasskey(response.body.accessToken);
      const refreshed = await post(`${AUTH}/refresh`).send({ refreshToken: response.body.refreshToken }).expect(200);
      expect(decodeJwt(refreshed.body.accessToken).payload).toMatchObject({ sid: payload.sid, amr: ['hwk', 'user', 'mfa'] });
    });

    it('records each use: lastUsedAt, the counter, and backedUp as the BS flag says each time', async () => {
      const holder = await withPasskey({ flags: SYNCED });
      expect(await listOf(holder.tokens.accessToken)).toEqual([expect.objectContaining({ backedUp: true, lastUsedAt: null })]);
      later(60_000);
      const session = await passwordless(holder.passkey, { flags: FLAG.UP | FLAG.UV | FLAG.BE });
      expect(await listOf(session.accessToken)).toEqual([
        expect.objectContaining({ backedUp: false, lastUsedAt: new Date().toISOString() }),
      ]);
      expect((await stored(holder.passkeyId)).counter).toBe(1);
      later(60_000);
      await passwordless(holder.passkey);
      expect(await listOf(session.accessToken)).toEqual([
        expect.objectContaining({ backedUp: true, lastUsedAt: new Date().toISOString() }),
      ]);
      expect((await stored(holder.passkeyId)).counter).toBe(2);
    });

    it('accepts a passkey from any of WEBAUTHN_ORIGINS, and in cookie mode answers in cookies', async () => {
      const holder = await withPasskey();
      await passwordless(holder.passkey, { origin: LOGIN_ORIGIN });
      const response = await assertionVerify({ response: holder.passkey.authenticate(await requestOptions()) })
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
      expect((await api(app).get(`${AUTH}/me`).set('cookie', access).expect(200)).body.id).toBe(holder.id);
      expect(decodeJwt(access.slice(access.indexOf('=') + 1)).payload.amr).toEqual(['hwk', 'user', 'mfa']);
    });

    it('refuses what the authenticator or browser did not do honestly, each 401 PASSKEY_INVALID, and the passkey still works', async () => {
      const holder = await withPasskey();
      const someone = await withPasskey();
      const forgeries: [string, Forgery][] = [
        ['wrong origin', { origin: 'https://evil.example' }],
        ['http origin', { origin: `http://${RP_ID}` }],
        ['a sibling origin', { origin: 'https://evil.gatehouse.test' }],
        ['a subdomain not configured', { origin: `https://evil.${RP_ID}` }],
        ['wrong RP ID', { rpId: 'gatehouse.test' }],
        ['another RP ID', { rpId: 'evil.example' }],
        ['type webauthn.create', { type: 'webauthn.create' }],
        ['no user verification', { flags: FLAG.UP }],
        ['no user presence', { flags: FLAG.UV }],
        ['no user handle', { userHandle: null }],
        ['another user’s handle', { userHandle: userHandleOf(someone.id) }],
        ['an empty user handle', { userHandle: '' }],
        ['a signature by another key', { signingKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }],
        ['a cross-origin frame', { clientData: { crossOrigin: true, topOrigin: 'https://evil.example' } }],
        ['a top origin without cross-origin', { clientData: { topOrigin: 'https://evil.example' } }],
        ['an unknown challenge', { challenge: randomBytes(32).toString('base64url') }],
      ];
      for (const [title, forgery] of forgeries) {
        const refused = await assertionVerify({ response: holder.passkey.authenticate(await requestOptions(), forgery) });
        expect({ title, ...errorBody(refused) }).toEqual({ title, status: 401, code: 'PASSKEY_INVALID' });
        expect(refused.headers['set-cookie']).toBeUndefined();
      }
      // A credential never registered, with or without a real user's handle.
      const stranger = authenticator();
      for (const userHandle of [userHandleOf(holder.id), null]) {
        const refused = await assertionVerify({ response: stranger.authenticate(await requestOptions(), { userHandle }) });
        expect(errorBody(refused)).toEqual({ status: 401, code: 'PASSKEY_INVALID' });
      }
      expect(await listOf(holder.tokens.accessToken)).toEqual([expect.objectContaining({ lastUsedAt: null })]);
      await passwordless(holder.passkey);
    });

    it('spends each challenge when first presented, even by a failing answer, and lets none live past 5 minutes', async () => {
      const holder = await withPasskey();
      const options = await requestOptions();
      const answer = holder.passkey.authenticate(options);
      await assertionVerify({ response: answer }).expect(200);
      expect(errorBody(await assertionVerify({ response: answer }))).toEqual({ status: 401, code: 'PASSKEY_INVALID' });
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(options) }))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });

      const tried = await requestOptions();
      await assertionVerify({ response: holder.passkey.authenticate(tried, { origin: 'https://evil.example' }) }).expect(401);
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(tried) }))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });

      const racing = await requestOptions();
      const both = await Promise.all([0, 1].map(() => assertionVerify({ response: holder.passkey.authenticate(racing) })));
      expect(both.map((r) => r.status).sort()).toEqual([200, 401]);

      const expiring = await requestOptions();
      later(301_000);
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(expiring) }))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      const inTime = await requestOptions();
      later(290_000);
      await assertionVerify({ response: holder.passkey.authenticate(inTime) }).expect(200);
    });

    it('refuses a signature counter that does not grow, unless the passkey counts nothing', async () => {
      const holder = await withPasskey();
      await passwordless(holder.passkey);
      await passwordless(holder.passkey);
      expect((await stored(holder.passkeyId)).counter).toBe(2);
      for (const counter of [1, 2]) {
        const refused = await assertionVerify({ response: holder.passkey.authenticate(await requestOptions(), { counter }) });
        expect({ counter, ...errorBody(refused) }).toEqual({ counter, status: 401, code: 'PASSKEY_INVALID' });
      }
      expect((await stored(holder.passkeyId)).counter).toBe(2);
      await passwordless(holder.passkey);
      expect((await stored(holder.passkeyId)).counter).toBe(3);

      // Synced passkeys often send 0 every time: 0 after 0 passes, but 0 after a real count does not.
      const flat = await withPasskey({ counting: false });
      await passwordless(flat.passkey);
      await passwordless(flat.passkey);
      expect((await stored(flat.passkeyId)).counter).toBe(0);
      await passwordless(flat.passkey, { counter: 7 });
      expect((await stored(flat.passkeyId)).counter).toBe(7);
      expect(errorBody(await assertionVerify({ response: flat.passkey.authenticate(await requestOptions()) }))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
    });

    it('refuses a disabled user (403 ACCOUNT_DISABLED) after a valid passkey', async () => {
      const holder = await withPasskey();
      const admin = await login(app, TEST_ADMIN);
      await api(app).patch(`/api/v1/users/${holder.id}`).set(bearer(admin.accessToken)).send({ disabled: true }).expect(200);
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(await requestOptions()) }))).toEqual({
        status: 403,
        code: 'ACCOUNT_DISABLED',
      });
    });
  });

  describe('as the second factor of a password login', () => {
    it('answers a password login with MFA_REQUIRED listing passkey, and finishes it with the passkey: amr pwd, hwk, user, mfa', async () => {
      const holder = await withPasskey();
      const spare = authenticator();
      await addPasskey(holder.tokens.accessToken, spare);
      const challenge = await post(`${AUTH}/login`).send({ username: holder.user.username, password: holder.user.password });
      expect(challenge.status).toBe(401);
      expect(challenge.body).toEqual({
        statusCode: 401,
        code: 'MFA_REQUIRED',
        message: expect.any(String),
        error: 'Unauthorized',
        mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        methods: ['passkey'],
        expiresIn: 300,
      });
      const token = challenge.body.mfaToken as string;

      const options = await requestOptions({ mfaToken: token });
      expect(options).toMatchObject({
        challenge: expect.stringMatching(CHALLENGE),
        rpId: RP_ID,
        userVerification: 'preferred',
        timeout: 300_000,
      });
      expect(options.allowCredentials).toHaveLength(2);
      expect(options.allowCredentials).toEqual(
        expect.arrayContaining([holder.passkey.id, spare.id].map((id) => ({ id, type: 'public-key', transports: ['internal'] }))),
      );
      const response = await assertionVerify({ response: spare.authenticate(options), mfaToken: token });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(decodeJwt(response.body.accessToken).payload).toMatchObject({ sub: holder.id, auth_time: nowSeconds() });
      expect(sortedAmr(response.body.accessToken)).toEqual(['hwk', 'mfa', 'pwd', 'user']);
      // Recent: it may add a passkey.
      await addPasskey(response.body.accessToken);

      // The mfaToken was spent.
      expect(errorBody(await post(`${PASSKEYS}/authentication/options`).send({ mfaToken: token }))).toEqual({
        status: 401,
        code: 'MFA_TOKEN_INVALID',
      });
    });

    it('gives amr pwd, hwk, mfa without user verification, in cookie mode too', async () => {
      const holder = await withPasskey();
      const tokens = await secondFactorLogin(holder, { flags: FLAG.UP });
      expect(decodeJwt(tokens.accessToken).payload.amr).toEqual(['pwd', 'hwk', 'mfa']);

      const token = await mfaToken(holder.user);
      const response = await assertionVerify({
        response: holder.passkey.authenticate(await requestOptions({ mfaToken: token })),
        mfaToken: token,
      })
        .set('x-token-transport', 'cookie')
        .expect(200);
      expect(response.body).toMatchObject({ tokenType: 'Cookie', csrfToken: expect.any(String) });
      expect(response.body.accessToken).toBeUndefined();
    });

    it("refuses another user's passkey, a challenge of another ceremony or another mfaToken: 401 PASSKEY_INVALID", async () => {
      const holder = await withPasskey();
      const someone = await withPasskey();
      const token = await mfaToken(holder.user);

      const foreign = await assertionVerify({
        response: someone.passkey.authenticate(await requestOptions({ mfaToken: token })),
        mfaToken: token,
      });
      expect(errorBody(foreign)).toEqual({ status: 401, code: 'PASSKEY_INVALID' });
      const passwordlessChallenge = await assertionVerify({
        response: holder.passkey.authenticate(await requestOptions()),
        mfaToken: token,
      });
      expect(errorBody(passwordlessChallenge)).toEqual({ status: 401, code: 'PASSKEY_INVALID' });
      const otherToken = await mfaToken(holder.user);
      const crossed = await assertionVerify({
        response: holder.passkey.authenticate(await requestOptions({ mfaToken: otherToken })),
        mfaToken: token,
      });
      expect(errorBody(crossed)).toEqual({ status: 401, code: 'PASSKEY_INVALID' });
      // An mfaToken's challenge is no passwordless login either.
      const withoutToken = await assertionVerify({ response: holder.passkey.authenticate(await requestOptions({ mfaToken: token })) });
      expect(errorBody(withoutToken)).toEqual({ status: 401, code: 'PASSKEY_INVALID' });

      // None of that ended the login: the right passkey finishes it.
      const done = await assertionVerify({
        response: holder.passkey.authenticate(await requestOptions({ mfaToken: token })),
        mfaToken: token,
      });
      expect(done.status).toBe(200);
      expect(decodeJwt(done.body.accessToken).payload.sub).toBe(holder.id);
    });

    it('answers a forged or spent mfaToken 401 MFA_TOKEN_INVALID, and a user without passkeys 404 PASSKEY_NOT_FOUND', async () => {
      const holder = await withPasskey();
      for (const forged of ['x', 'a'.repeat(43)]) {
        expect(errorBody(await post(`${PASSKEYS}/authentication/options`).send({ mfaToken: forged }))).toEqual({
          status: 401,
          code: 'MFA_TOKEN_INVALID',
        });
        const answer = holder.passkey.authenticate(await requestOptions());
        expect(errorBody(await assertionVerify({ response: answer, mfaToken: forged }))).toEqual({
          status: 401,
          code: 'MFA_TOKEN_INVALID',
        });
      }
      const expiring = await mfaToken(holder.user);
      const options = await requestOptions({ mfaToken: expiring });
      later(301_000);
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(options), mfaToken: expiring }))).toEqual({
        status: 401,
        code: 'MFA_TOKEN_INVALID',
      });
      expect(errorBody(await post(`${PASSKEYS}/authentication/options`).send({ mfaToken: expiring }))).toEqual({
        status: 401,
        code: 'MFA_TOKEN_INVALID',
      });

      // A user whose second factor is TOTP has no passkey to offer.
      const { user, tokens } = await registerAndLogin(app, newUser('totp'));
      const started = await post(`${MFA}/totp`, tokens.accessToken).expect(200);
      await post(`${MFA}/totp/confirm`, tokens.accessToken)
        .send({ code: totpAtStep(started.body.secret as string, stepAt(Date.now())) })
        .expect(200);
      expect(errorBody(await post(`${PASSKEYS}/authentication/options`).send({ mfaToken: await mfaToken(user) }))).toEqual({
        status: 404,
        code: 'PASSKEY_NOT_FOUND',
      });
    });

    it('lists every method a user has: totp, recovery_code and passkey, and GET /auth/mfa counts the passkeys', async () => {
      const { user, tokens } = await registerAndLogin(app, newUser('both'));
      const started = await post(`${MFA}/totp`, tokens.accessToken).expect(200);
      const secret = started.body.secret as string;
      await post(`${MFA}/totp/confirm`, tokens.accessToken)
        .send({ code: totpAtStep(secret, stepAt(Date.now())) })
        .expect(200);
      const other = await post(`${MFA}/verify`)
        .send({ mfaToken: await mfaToken(user), code: totpAtStep(secret, stepAt(Date.now()) + 1) })
        .expect(200);
      expect((await api(app).get(MFA).set(bearer(tokens.accessToken)).expect(200)).body).toEqual({
        totp: true,
        recoveryCodesLeft: 10,
        passkeys: 0,
      });
      await addPasskey(tokens.accessToken);
      await addPasskey(tokens.accessToken);
      // Not the user's first second factor: their other session stays.
      await api(app).get(`${AUTH}/me`).set(bearer(other.body.accessToken)).expect(200);
      expect((await api(app).get(MFA).set(bearer(tokens.accessToken)).expect(200)).body).toEqual({
        totp: true,
        recoveryCodesLeft: 10,
        passkeys: 2,
      });
      const challenge = await post(`${AUTH}/login`).send({ username: user.username, password: user.password }).expect(401);
      expect(challenge.body.methods).toEqual(['totp', 'recovery_code', 'passkey']);
      later(2 * STEP_MS);
      await post(`${MFA}/verify`)
        .send({ mfaToken: challenge.body.mfaToken, code: totpAtStep(secret, stepAt(Date.now())) })
        .expect(200);
    });
  });

  describe('step-up', () => {
    it("steps a stale session up with one of the caller's passkeys: same session, auth_time now, amr with hwk and mfa after a password", async () => {
      const holder = await withPasskey();
      const session = await secondFactorLogin(holder);
      later(6 * 60_000);
      expect(errorBody(await post(`${PASSKEYS}/registration/options`, session.accessToken))).toEqual({
        status: 401,
        code: 'STEP_UP_REQUIRED',
      });
      const options = await requestOptions({}, session.accessToken);
      expect(options).toMatchObject({
        challenge: expect.stringMatching(CHALLENGE),
        rpId: RP_ID,
        allowCredentials: [{ id: holder.passkey.id, type: 'public-key', transports: ['internal'] }],
        userVerification: 'preferred',
      });
      const stepped = await post(`${AUTH}/step-up`, session.accessToken).send({ passkey: holder.passkey.authenticate(options) });
      expect(stepped.status).toBe(200);
      expect(stepped.headers['cache-control']).toBe('no-store');
      const before = decodeJwt(session.accessToken).payload;
      expect(decodeJwt(stepped.body.accessToken).payload).toMatchObject({ sid: before.sid, auth_time: nowSeconds() });
      expect(sortedAmr(stepped.body.accessToken)).toEqual(['hwk', 'mfa', 'pwd', 'user']);
      await creationOptions(stepped.body.accessToken);

      // Without user verification, after a password: pwd, hwk, mfa.
      later(6 * 60_000);
      const plain = await post(`${AUTH}/step-up`, stepped.body.accessToken)
        .send({ passkey: holder.passkey.authenticate(await requestOptions({}, stepped.body.accessToken), { flags: FLAG.UP }) })
        .expect(200);
      expect(sortedAmr(plain.body.accessToken)).toEqual(['hwk', 'mfa', 'pwd']);
    });

    it('steps a passwordless session up too', async () => {
      const holder = await withPasskey();
      const session = await passwordless(holder.passkey);
      later(6 * 60_000);
      const stepped = await post(`${AUTH}/step-up`, session.accessToken)
        .send({ passkey: holder.passkey.authenticate(await requestOptions({}, session.accessToken)) })
        .expect(200);
      expect(decodeJwt(stepped.body.accessToken).payload).toMatchObject({
        sid: decodeJwt(session.accessToken).payload.sid,
        auth_time: nowSeconds(),
      });
      expect(decodeJwt(stepped.body.accessToken).payload.amr).toContain('hwk');
      await creationOptions(stepped.body.accessToken);
    });

    it("refuses another user's passkey, another session's challenge and other ceremonies' challenges: 401 PASSKEY_INVALID", async () => {
      const holder = await withPasskey();
      const someone = await withPasskey();
      const session = await passwordless(holder.passkey);
      const otherSession = await passwordless(holder.passkey);
      later(6 * 60_000);
      const stepUp = (passkey: object) => post(`${AUTH}/step-up`, session.accessToken).send({ passkey });
      expect(errorBody(await stepUp(someone.passkey.authenticate(await requestOptions({}, session.accessToken))))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      expect(errorBody(await stepUp(holder.passkey.authenticate(await requestOptions({}, otherSession.accessToken))))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      expect(errorBody(await stepUp(holder.passkey.authenticate(await requestOptions())))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      expect(errorBody(await stepUp(holder.passkey.authenticate(await requestOptions({ mfaToken: await mfaToken(holder.user) }))))).toEqual(
        {
          status: 401,
          code: 'PASSKEY_INVALID',
        },
      );
      // A step-up challenge is no passwordless login.
      expect(
        errorBody(await assertionVerify({ response: holder.passkey.authenticate(await requestOptions({}, session.accessToken)) })),
      ).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      expect(errorBody(await post(`${AUTH}/step-up`, session.accessToken).send({ passkey: 'not an object' }))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(errorBody(await stepUp({}))).toEqual({ status: 401, code: 'PASSKEY_INVALID' });
      expect(
        errorBody(
          await post(`${AUTH}/step-up`, session.accessToken).send({
            passkey: holder.passkey.authenticate(await requestOptions({}, session.accessToken)),
            code: '123456',
          }),
        ),
      ).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(errorBody(await post(`${PASSKEYS}/registration/options`, session.accessToken))).toEqual({
        status: 401,
        code: 'STEP_UP_REQUIRED',
      });
    });

    it('answers step-up options for a caller without passkeys 404 PASSKEY_NOT_FOUND', async () => {
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      expect(errorBody(await post(`${PASSKEYS}/authentication/options`, tokens.accessToken).send({}))).toEqual({
        status: 404,
        code: 'PASSKEY_NOT_FOUND',
      });
    });
  });

  describe('bad input', () => {
    it('refuses a malformed registration: 400 VALIDATION_FAILED for the body, 400 PASSKEY_INVALID for the response', async () => {
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      const passkey = authenticator();
      const options = await creationOptions(tokens.accessToken);
      const good = passkey.register(options);
      for (const body of [
        {},
        { response: 'x' },
        { response: [] },
        { response: null },
        { response: 42 },
        { response: good, extra: true },
        { name: 'x' },
      ]) {
        const refused = await registrationVerify(tokens.accessToken, body);
        expect({ body, ...errorBody(refused) }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
      }

      const attestation = Buffer.from(good.response.attestationObject, 'base64url');
      type Mutation = (response: RegistrationResponse) => object;
      const inner =
        (change: Record<string, unknown>): Mutation =>
        (r) => ({ ...r, response: { ...r.response, ...change } });
      const without =
        (key: string): Mutation =>
        (r) =>
          Object.fromEntries(Object.entries(r).filter(([k]) => k !== key));
      const withoutInner =
        (key: string): Mutation =>
        (r) => ({ ...r, response: Object.fromEntries(Object.entries(r.response).filter(([k]) => k !== key)) });
      const malformed: [string, Mutation][] = [
        [
          'attestationObject cut in half',
          inner({ attestationObject: attestation.subarray(0, attestation.length >> 1).toString('base64url') }),
        ],
        ['attestationObject cut by one byte', inner({ attestationObject: attestation.subarray(0, -1).toString('base64url') })],
        ['attestationObject not CBOR', inner({ attestationObject: Buffer.from([0xff, 0xfe, 0xfd, 0x1c]).toString('base64url') })],
        ['attestationObject of random bytes', inner({ attestationObject: randomBytes(200).toString('base64url') })],
        ['attestationObject empty', inner({ attestationObject: '' })],
        ['attestationObject not base64url', inner({ attestationObject: '@@not base64url@@' })],
        ['attestationObject in base64 with padding', inner({ attestationObject: attestation.toString('base64') + '==' })],
        ['clientDataJSON not base64url', inner({ clientDataJSON: '!!!' })],
        ['clientDataJSON not JSON', inner({ clientDataJSON: Buffer.from('{"type":').toString('base64url') })],
        [
          'oversized clientDataJSON',
          (r) =>
            inner({
              clientDataJSON: passkey
                .clientData('webauthn.create', challengeOf(r), { clientData: { pad: 'x'.repeat(40_000) } })
                .toString('base64url'),
            })(r),
        ],
        ['no attestationObject', withoutInner('attestationObject')],
        ['no clientDataJSON', withoutInner('clientDataJSON')],
        ['no response', without('response')],
        ['no id', without('id')],
        ['no rawId', without('rawId')],
        ['no type', without('type')],
        ['type not public-key', (r) => ({ ...r, type: 'password' })],
        ['rawId not id', (r) => ({ ...r, rawId: randomBytes(16).toString('base64url') })],
        ['id not base64url', (r) => ({ ...r, id: 'a+b/c=', rawId: 'a+b/c=' })],
      ];
      for (const [title, mutate] of malformed) {
        const response = passkey.register(await creationOptions(tokens.accessToken));
        const refused = await registrationVerify(tokens.accessToken, { response: mutate(response) });
        expect({ title, ...errorBody(refused) }).toEqual({ title, status: 400, code: 'PASSKEY_INVALID' });
      }
      expect(await listOf(tokens.accessToken)).toEqual([]);
      // The first options' challenge was never presented by a body of the right shape: it still registers.
      await registrationVerify(tokens.accessToken, { response: good }).expect(201);
    });

    it('ignores unknown members inside a response (the WebAuthn JSON grows), as browsers send them', async () => {
      const { tokens } = await registerAndLogin(app, newUser('pk'));
      const passkey = authenticator();
      const note = { other_keys_can_be_added_here: 'do not compare clientDataJSON against a template. See https://goo.gl/yabPex' };
      const created = passkey.register(await creationOptions(tokens.accessToken), { clientData: note });
      const response = {
        ...created,
        clientExtensionResults: { credProps: { rk: true } },
        futureMember: { anything: 1 },
        response: {
          ...created.response,
          publicKeyAlgorithm: -7,
          publicKey: passkey.publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
        },
      };
      await registrationVerify(tokens.accessToken, { response }).expect(201);
      const assertion = passkey.authenticate(await requestOptions(), { clientData: note });
      await assertionVerify({
        response: {
          ...assertion,
          clientExtensionResults: { largeBlob: {} },
          futureMember: 1,
          response: { ...assertion.response, extra: 'x' },
        },
      }).expect(200);
    });

    it('refuses a malformed assertion: 400 VALIDATION_FAILED for the body, 401 PASSKEY_INVALID for the response', async () => {
      const holder = await withPasskey();
      const good = holder.passkey.authenticate(await requestOptions());
      for (const body of [
        {},
        { response: 'x' },
        { response: [] },
        { response: null },
        { response: good, extra: 1 },
        { response: good, mfaToken: 5 },
      ]) {
        const refused = await assertionVerify(body);
        expect({ body, ...errorBody(refused) }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
      }
      for (const body of [{ extra: 1 }, { mfaToken: 42 }, { mfaToken: 'x'.repeat(10_000) }]) {
        const refused = await post(`${PASSKEYS}/authentication/options`).send(body);
        expect({ body, ...errorBody(refused) }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
      }

      type Mutation = (response: AuthenticationResponse) => object;
      const inner =
        (change: Record<string, unknown>): Mutation =>
        (r) => ({ ...r, response: { ...r.response, ...change } });
      const withoutInner =
        (key: string): Mutation =>
        (r) => ({ ...r, response: Object.fromEntries(Object.entries(r.response).filter(([k]) => k !== key)) });
      const authData = (r: AuthenticationResponse) => Buffer.from(r.response.authenticatorData, 'base64url');
      const malformed: [string, Mutation][] = [
        ['authenticatorData cut short', (r) => inner({ authenticatorData: authData(r).subarray(0, 36).toString('base64url') })(r)],
        [
          'authenticatorData with bytes left over',
          (r) => inner({ authenticatorData: Buffer.concat([authData(r), Buffer.from([0])]).toString('base64url') })(r),
        ],
        ['authenticatorData not base64url', inner({ authenticatorData: '***' })],
        ['signature not DER', inner({ signature: randomBytes(64).toString('base64url') })],
        ['signature empty', inner({ signature: '' })],
        ['clientDataJSON not base64url', inner({ clientDataJSON: 'a b' })],
        ['userHandle not base64url', inner({ userHandle: '%%%' })],
        ['userHandle a number', inner({ userHandle: 7 })],
        ['no authenticatorData', withoutInner('authenticatorData')],
        ['no signature', withoutInner('signature')],
        ['no clientDataJSON', withoutInner('clientDataJSON')],
        ['no response', (r) => ({ id: r.id, rawId: r.rawId, type: r.type })],
        ['no id', (r) => ({ ...r, id: undefined })],
        ['rawId not id', (r) => ({ ...r, rawId: randomBytes(16).toString('base64url') })],
        [
          'oversized clientDataJSON',
          (r) =>
            inner({
              clientDataJSON: holder.passkey
                .clientData('webauthn.get', challengeOf(r), { clientData: { pad: 'x'.repeat(40_000) } })
                .toString('base64url'),
            })(r),
        ],
      ];
      for (const [title, mutate] of malformed) {
        const refused = await assertionVerify({ response: mutate(holder.passkey.authenticate(await requestOptions())) });
        expect({ title, ...errorBody(refused) }).toEqual({ title, status: 401, code: 'PASSKEY_INVALID' });
      }
      await assertionVerify({ response: good }).expect(200);
    });

    it('answers a body over 100 kB 413 PAYLOAD_TOO_LARGE', async () => {
      const holder = await withPasskey();
      const answer = holder.passkey.authenticate(await requestOptions(), { clientData: { pad: 'x'.repeat(120_000) } });
      expect(errorBody(await assertionVerify({ response: answer }))).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('never answers a 500, whatever the response holds', async () => {
      const holder = await withPasskey();
      const { tokens } = await registerAndLogin(app, newUser('fuzz'));
      const results: { title: string; status: number }[] = [];

      for (const [title, build] of registrationFuzz()) {
        const passkey = authenticator();
        const body = build(passkey, await creationOptions(tokens.accessToken));
        const status = (await registrationVerify(tokens.accessToken, body)).status;
        results.push({ title: `registration: ${title}`, status });
      }
      for (const [title, build] of assertionFuzz(holder)) {
        const status = (await assertionVerify(build(holder.passkey, await requestOptions()))).status;
        results.push({ title: `sign-in: ${title}`, status });
      }
      const token = await mfaToken(holder.user);
      for (const [title, build] of assertionFuzz(holder).slice(0, 4)) {
        const status = (await assertionVerify({ ...build(holder.passkey, await requestOptions({ mfaToken: token })), mfaToken: token }))
          .status;
        results.push({ title: `second factor: ${title}`, status });
      }
      for (const name of ['\u0000', 'a\u0000b', '\ud800']) {
        const status = (await api(app).patch(`${PASSKEYS}/${holder.passkeyId}`).set(bearer(holder.tokens.accessToken)).send({ name }))
          .status;
        results.push({ title: `rename: ${JSON.stringify(name)}`, status });
      }
      expect(results.filter((r) => r.status >= 500)).toEqual([]);
      // The service still answers, and the passkey still signs in.
      await passwordless(holder.passkey);
    });
  });

  /** Registration bodies from odd to hostile, each answering a live challenge so that it reaches the decoding. */
  function registrationFuzz(): [string, (passkey: SoftwarePasskey, options: CreationOptionsJSON) => object][] {
    const clientData = (passkey: SoftwarePasskey, options: CreationOptionsJSON, extra: Record<string, unknown> = {}) =>
      passkey.clientData('webauthn.create', options.challenge, { clientData: extra }).toString('base64url');
    /** A response whose attestation object is `value`, encoded by the test. */
    const attestation = (value: Cbor | Buffer) => (passkey: SoftwarePasskey, options: CreationOptionsJSON) => {
      const response = passkey.register(options);
      const bytes = Buffer.isBuffer(value) ? value : encodeCbor(value);
      return { response: { ...response, response: { ...response.response, attestationObject: bytes.toString('base64url') } } };
    };
    const authData = (passkey: SoftwarePasskey, ...rest: Buffer[]) =>
      passkey.authenticatorData(FLAG.UP | FLAG.UV | FLAG.AT, 0, RP_ID, ...rest);
    const withKey = (key: Cbor) => (passkey: SoftwarePasskey, options: CreationOptionsJSON) =>
      attestation({ fmt: 'none', attStmt: {}, authData: authData(passkey, passkey.attestedCredentialData(encodeCbor(key))) })(
        passkey,
        options,
      );
    const jwkOf = (passkey: SoftwarePasskey) => passkey.publicKey.export({ format: 'jwk' });
    const ec2 = (passkey: SoftwarePasskey, changes: [number, Cbor][]) => {
      const key = new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwkOf(passkey).x!, 'base64url')],
        [-3, Buffer.from(jwkOf(passkey).y!, 'base64url')],
      ]);
      for (const [label, value] of changes)
        if (value === null) key.delete(label);
        else key.set(label, value);
      return key;
    };
    const transports = (value: unknown) => (passkey: SoftwarePasskey, options: CreationOptionsJSON) => {
      const response = passkey.register(options);
      return { response: { ...response, response: { ...response.response, transports: value } } };
    };
    return [
      ['attestation object an integer', attestation(42)],
      ['attestation object an array', attestation([1, 2, 3])],
      ['attestation object a text', attestation('none')],
      ['attestation object without authData', attestation({ fmt: 'none', attStmt: {} })],
      ['authData a text string', attestation({ fmt: 'none', attStmt: {}, authData: 'authData' })],
      ['authData of 10 bytes', attestation({ fmt: 'none', attStmt: {}, authData: randomBytes(10) })],
      ['authData of 37 zero bytes', attestation({ fmt: 'none', attStmt: {}, authData: Buffer.alloc(37) })],
      ['fmt an integer', (p, o) => attestation({ fmt: 1, attStmt: {}, authData: authData(p, p.attestedCredentialData()) })(p, o)],
      [
        'fmt packed without a statement',
        (p, o) => attestation({ fmt: 'packed', attStmt: {}, authData: authData(p, p.attestedCredentialData()) })(p, o),
      ],
      ['fmt unknown', (p, o) => attestation({ fmt: 'x-unknown', attStmt: {}, authData: authData(p, p.attestedCredentialData()) })(p, o)],
      [
        'none with a statement',
        (p, o) => attestation({ fmt: 'none', attStmt: { sig: randomBytes(8) }, authData: authData(p, p.attestedCredentialData()) })(p, o),
      ],
      ['attStmt an array', (p, o) => attestation({ fmt: 'none', attStmt: [], authData: authData(p, p.attestedCredentialData()) })(p, o)],
      [
        'credential id length past the end',
        (p, o) =>
          attestation({ fmt: 'none', attStmt: {}, authData: authData(p, Buffer.alloc(16), Buffer.from([0xff, 0xff]), randomBytes(8)) })(
            p,
            o,
          ),
      ],
      [
        'attested data cut inside the key',
        (p, o) => attestation({ fmt: 'none', attStmt: {}, authData: authData(p, p.attestedCredentialData().subarray(0, 40)) })(p, o),
      ],
      [
        'extension flag without extensions',
        (p, o) =>
          attestation({
            fmt: 'none',
            attStmt: {},
            authData: p.authenticatorData(FLAG.UP | FLAG.UV | FLAG.AT | FLAG.ED, 0, RP_ID, p.attestedCredentialData()),
          })(p, o),
      ],
      [
        'extensions not a map',
        (p, o) =>
          attestation({
            fmt: 'none',
            attStmt: {},
            authData: p.authenticatorData(FLAG.UP | FLAG.UV | FLAG.AT | FLAG.ED, 0, RP_ID, p.attestedCredentialData(), encodeCbor(5)),
          })(p, o),
      ],
      ['key kty unknown', (p, o) => withKey(ec2(p, [[1, 99]]))(p, o)],
      ['key without x', (p, o) => withKey(ec2(p, [[-2, null]]))(p, o)],
      ['key x too short', (p, o) => withKey(ec2(p, [[-2, randomBytes(5)]]))(p, o)],
      [
        'key not on the curve',
        (p, o) =>
          withKey(
            ec2(p, [
              [-2, randomBytes(32)],
              [-3, randomBytes(32)],
            ]),
          )(p, o),
      ],
      ['key alg EdDSA', (p, o) => withKey(ec2(p, [[3, -8]]))(p, o)],
      ['key alg a text', (p, o) => withKey(ec2(p, [[3, 'ES256']]))(p, o)],
      ['key alg missing', (p, o) => withKey(ec2(p, [[3, null]]))(p, o)],
      ['key curve P-384 with P-256 points', (p, o) => withKey(ec2(p, [[-1, 2]]))(p, o)],
      [
        'key an RSA key without modulus',
        (p, o) =>
          withKey(
            new Map<number, Cbor>([
              [1, 3],
              [3, -257],
              [-2, Buffer.from([1, 0, 1])],
            ]),
          )(p, o),
      ],
      ['key an integer', (p, o) => withKey(7)(p, o)],
      ['CBOR nested 20 000 arrays deep', attestation(Buffer.concat([Buffer.alloc(20_000, 0x81), Buffer.from([0])]))],
      [
        'CBOR claiming a 4 GB byte string',
        attestation(Buffer.from([0xa1, 0x68, ...Buffer.from('authData'), 0x5a, 0xff, 0xff, 0xff, 0xff, 0])),
      ],
      ['CBOR claiming 4 billion map entries', attestation(Buffer.from([0xba, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]))],
      [
        'CBOR indefinite lengths',
        attestation(Buffer.from([0xbf, 0x63, ...Buffer.from('fmt'), 0x7f, 0x62, 0x6e, 0x6f, 0x62, 0x6e, 0x65, 0xff, 0xff])),
      ],
      ['CBOR a lone break', attestation(Buffer.from([0xff]))],
      ['CBOR tags and floats', attestation(Buffer.from([0xc1, 0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]))],
      [
        'CBOR with __proto__ keys',
        (p, o) =>
          attestation(
            new Map<string, Cbor>([
              ['__proto__', { polluted: true }],
              ['fmt', 'none'],
              ['attStmt', { constructor: 1 }],
              ['authData', authData(p, p.attestedCredentialData())],
            ]),
          )(p, o),
      ],
      ['transports a text', transports('internal')],
      ['transports of numbers and objects', transports([1, {}, null])],
      ['transports very long', transports(['x'.repeat(300)])],
      ['transports very many', transports(Array.from({ length: 500 }, () => 'internal'))],
      [
        'clientDataJSON null',
        (p, o) => ({
          response: {
            ...p.register(o),
            response: { ...p.register(o).response, clientDataJSON: Buffer.from('null').toString('base64url') },
          },
        }),
      ],
      [
        'clientDataJSON an array',
        (p, o) => ({
          response: { ...p.register(o), response: { ...p.register(o).response, clientDataJSON: Buffer.from('[1]').toString('base64url') } },
        }),
      ],
      [
        'clientDataJSON challenge an object',
        (p, o) => ({
          response: {
            ...p.register(o),
            response: {
              ...p.register(o).response,
              clientDataJSON: Buffer.from(JSON.stringify({ challenge: { a: o.challenge } })).toString('base64url'),
            },
          },
        }),
      ],
      [
        'clientDataJSON origin a number',
        (p, o) => ({
          response: { ...p.register(o), response: { ...p.register(o).response, clientDataJSON: clientData(p, o, { origin: 7 }) } },
        }),
      ],
      [
        'clientDataJSON tokenBinding odd',
        (p, o) => ({
          response: { ...p.register(o), response: { ...p.register(o).response, clientDataJSON: clientData(p, o, { tokenBinding: 'x' }) } },
        }),
      ],
      [
        'clientDataJSON invalid UTF-8',
        (p, o) => ({
          response: {
            ...p.register(o),
            response: { ...p.register(o).response, clientDataJSON: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url') },
          },
        }),
      ],
      ['response.response an array', (p, o) => ({ response: { ...p.register(o), response: [p.register(o).response] } })],
      ['response.response a text', (p, o) => ({ response: { ...p.register(o), response: 'x' } })],
      ['id of 2 000 characters', (p, o) => ({ response: { ...p.register(o), id: 'A'.repeat(2000), rawId: 'A'.repeat(2000) } })],
      ['id not the authenticator data’s', (p, o) => ({ response: { ...p.register(o), id: 'AAAA', rawId: 'AAAA' } })],
      [
        'a credential id of 1 023 bytes',
        (_p, o) => ({ response: new SoftwarePasskey(ORIGIN, RP_ID, { credentialId: randomBytes(1023) }).register(o) }),
      ],
      [
        'a credential id of 1 100 bytes',
        (_p, o) => ({ response: new SoftwarePasskey(ORIGIN, RP_ID, { credentialId: randomBytes(1100) }).register(o) }),
      ],
      ['name of control characters', (p, o) => ({ response: p.register(o), name: '\u0000\u0007\u001b[31m' })],
    ];
  }

  /** Assertion bodies from odd to hostile, each answering a live challenge. */
  function assertionFuzz(holder: Holder): [string, (passkey: SoftwarePasskey, options: RequestOptionsJSON) => { response: unknown }][] {
    const inner = (change: Record<string, unknown>) => (passkey: SoftwarePasskey, options: RequestOptionsJSON) => {
      const response = passkey.authenticate(options);
      return { response: { ...response, response: { ...response.response, ...change } } };
    };
    const signed = (authData: (p: SoftwarePasskey) => Buffer) => (passkey: SoftwarePasskey, options: RequestOptionsJSON) => {
      const response = passkey.authenticate(options);
      return { response: { ...response, response: { ...response.response, authenticatorData: authData(passkey).toString('base64url') } } };
    };
    return [
      ['a user handle that is no UUID', inner({ userHandle: Buffer.from('not-a-uuid').toString('base64url') })],
      ['a user handle of invalid UTF-8', inner({ userHandle: Buffer.from([0xff, 0xfe, 0x00]).toString('base64url') })],
      ['a user handle of 1 000 bytes', inner({ userHandle: randomBytes(1000).toString('base64url') })],
      ['a user handle with SQL', inner({ userHandle: Buffer.from(`${holder.id}' OR '1'='1`).toString('base64url') })],
      ['a user handle an object', inner({ userHandle: { id: holder.id } })],
      ['authenticatorData with extensions flag and none', signed((p) => p.authenticatorData(FLAG.UP | FLAG.UV | FLAG.ED, 99))],
      [
        'authenticatorData with attested data',
        signed((p) => p.authenticatorData(FLAG.UP | FLAG.UV | FLAG.AT, 99, RP_ID, p.attestedCredentialData())),
      ],
      ['authenticatorData of 5 000 bytes', signed((p) => p.authenticatorData(FLAG.UP | FLAG.UV | FLAG.ED, 99, RP_ID, randomBytes(5000)))],
      ['signature of 10 000 bytes', inner({ signature: randomBytes(10_000).toString('base64url') })],
      [
        'signature a DER sequence of zeros',
        inner({ signature: Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]).toString('base64url') }),
      ],
      ['clientDataJSON null', inner({ clientDataJSON: Buffer.from('null').toString('base64url') })],
      ['clientDataJSON a number', inner({ clientDataJSON: Buffer.from('12').toString('base64url') })],
      [
        'clientDataJSON challenge of 10 000 characters',
        inner({ clientDataJSON: Buffer.from(JSON.stringify({ challenge: 'A'.repeat(10_000) })).toString('base64url') }),
      ],
      [
        'clientDataJSON with __proto__',
        (p, o) =>
          inner({
            clientDataJSON: Buffer.from(
              `{"__proto__":{"polluted":1},"type":"webauthn.get","challenge":"${o.challenge}","origin":"${ORIGIN}"}`,
            ).toString('base64url'),
          })(p, o),
      ],
      ['response.response null', (p, o) => ({ response: { ...p.authenticate(o), response: null } })],
      ['id an array', (p, o) => ({ response: { ...p.authenticate(o), id: [p.id], rawId: [p.id] } })],
      ['type null', (p, o) => ({ response: { ...p.authenticate(o), type: null } })],
      ['id of 5 000 characters', (p, o) => ({ response: { ...p.authenticate(o), id: 'B'.repeat(5000), rawId: 'B'.repeat(5000) } })],
    ];
  }

  describe('admin and account', () => {
    it("shows the passkey count to the user and an admin, and an admin's MFA reset removes the passkeys", async () => {
      const admin = await login(app, TEST_ADMIN);
      const holder = await withPasskey();
      await addPasskey(holder.tokens.accessToken);
      const session = await passwordless(holder.passkey);
      expect((await api(app).get(MFA).set(bearer(session.accessToken)).expect(200)).body).toEqual({
        totp: false,
        recoveryCodesLeft: 0,
        passkeys: 2,
      });
      expect((await api(app).get(`/api/v1/users/${holder.id}/mfa`).set(bearer(admin.accessToken)).expect(200)).body).toEqual({
        totp: false,
        recoveryCodesLeft: 0,
        passkeys: 2,
      });

      await api(app).delete(`/api/v1/users/${holder.id}/mfa`).set(bearer(admin.accessToken)).expect(204);
      expect(errorBody(await api(app).get(`${AUTH}/me`).set(bearer(session.accessToken)))).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
      expect((await api(app).get(`/api/v1/users/${holder.id}/mfa`).set(bearer(admin.accessToken)).expect(200)).body).toEqual({
        totp: false,
        recoveryCodesLeft: 0,
        passkeys: 0,
      });
      expect(errorBody(await assertionVerify({ response: holder.passkey.authenticate(await requestOptions()) }))).toEqual({
        status: 401,
        code: 'PASSKEY_INVALID',
      });
      const plain = (await post(`${AUTH}/login`).send({ username: holder.user.username, password: holder.user.password }).expect(200))
        .body as TokenPair;
      expect(await listOf(plain.accessToken)).toEqual([]);
    });

    it("drops a deleted user's passkeys and pending ceremonies with them", async () => {
      const admin = await login(app, TEST_ADMIN);
      const holder = await withPasskey();
      await creationOptions(holder.tokens.accessToken);
      const rows = () =>
        Promise.all(
          ['Passkey', 'PasskeyChallenge'].map((entity) => app.get(DataSource).getRepository(entity).countBy({ userId: holder.id })),
        );
      expect(await rows()).toEqual([1, 1]);
      await api(app).delete(`/api/v1/users/${holder.id}`).set(bearer(admin.accessToken)).expect(204);
      expect(await rows()).toEqual([0, 0]);
    });

    it('records passkey.added, passkey.removed and passkey logins in the audit trail, with no key material', async () => {
      const admin = await login(app, TEST_ADMIN);
      const holder = await withPasskey();
      const created = authenticator();
      const options = await creationOptions(holder.tokens.accessToken);
      const registration = created.register(options);
      const added = (await registrationVerify(holder.tokens.accessToken, { response: registration }).expect(201)).body as PasskeyView;
      const assertion = holder.passkey.authenticate(await requestOptions());
      const session = (await assertionVerify({ response: assertion }).expect(200)).body as TokenPair;
      await api(app).delete(`${PASSKEYS}/${added.id}`).set(bearer(session.accessToken)).expect(204);

      interface AuditEvent {
        type: string;
        actorId: string | null;
        outcome: string;
        details: Record<string, unknown>;
      }
      let events: AuditEvent[] = [];
      await eventually(async () => {
        const page = await api(app)
          .get('/api/v1/audit-events')
          .query({ userId: holder.id, limit: 100 })
          .set(bearer(admin.accessToken))
          .expect(200);
        events = page.body.items as AuditEvent[];
        return events.some((e) => e.type === 'passkey.removed');
      });
      expect(events.filter((e) => e.type === 'passkey.added')).toHaveLength(2);
      expect(events.find((e) => e.type === 'passkey.removed')).toMatchObject({
        actorId: holder.id,
        outcome: 'success',
        details: { passkeyId: added.id },
      });
      expect(events.find((e) => e.type === 'passkey.added' && e.details.passkeyId === added.id)).toMatchObject({
        actorId: holder.id,
        outcome: 'success',
      });
      expect(events.filter((e) => e.type === 'login.succeeded').map((e) => e.details.method)).toContain('passkey');

      const text = JSON.stringify(events);
      const material = [holder.passkey, created].flatMap((passkey) => {
        const jwk = passkey.publicKey.export({ format: 'jwk' });
        return [
          passkey.coseKey().toString('base64url'),
          passkey.coseKey().toString('hex'),
          jwk.x!,
          jwk.y!,
          passkey.publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
        ];
      });
      for (const value of [
        ...material,
        registration.response.attestationObject,
        registration.response.clientDataJSON,
        assertion.response.signature,
        assertion.response.clientDataJSON,
        options.challenge,
      ]) {
        expect(text).not.toContain(value);
      }
    });
  });
});

/** The challenge an assertion's clientDataJSON answers. */
function challengeOf(response: { response: { clientDataJSON: string } }): string {
  return (JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString()) as { challenge: string }).challenge;
}

describeIf(POSTGRES)('passkeys across two instances on one PostgreSQL database', () => {
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    a = await createTestApp({ DATABASE_URL: db.url, ...WEBAUTHN_ENV });
    b = await createTestApp({ DATABASE_URL: db.url, ...WEBAUTHN_ENV });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('finishes on one instance each ceremony whose options the other gave, and a challenge spent on one is spent on both', async () => {
    later(60 * 60_000);
    const { user, id, tokens } = await registerAndLogin(a, newUser('pk'));
    const passkey = new SoftwarePasskey(ORIGIN, RP_ID);
    const creation = (await api(a).post(`${PASSKEYS}/registration/options`).set(bearer(tokens.accessToken)).expect(200))
      .body as CreationOptionsJSON;
    const registration = passkey.register(creation);
    await api(b).post(`${PASSKEYS}/registration/verify`).set(bearer(tokens.accessToken)).send({ response: registration }).expect(201);
    expect(
      errorBody(await api(a).post(`${PASSKEYS}/registration/verify`).set(bearer(tokens.accessToken)).send({ response: registration })),
    ).toEqual({
      status: 400,
      code: 'PASSKEY_INVALID',
    });
    expect((await api(a).get(PASSKEYS).set(bearer(tokens.accessToken)).expect(200)).body).toHaveLength(1);

    const options = (await api(a).post(`${PASSKEYS}/authentication/options`).send({}).expect(200)).body as RequestOptionsJSON;
    const answer = passkey.authenticate(options);
    const signedIn = await api(b).post(`${PASSKEYS}/authentication/verify`).send({ response: answer }).expect(200);
    expect(decodeJwt(signedIn.body.accessToken).payload.sub).toBe(id);
    expect(errorBody(await api(a).post(`${PASSKEYS}/authentication/verify`).send({ response: answer }))).toEqual({
      status: 401,
      code: 'PASSKEY_INVALID',
    });

    // The counter is shared too: an answer with the counter the other instance just stored is refused.
    const next = (await api(b).post(`${PASSKEYS}/authentication/options`).send({}).expect(200)).body as RequestOptionsJSON;
    expect(
      errorBody(
        await api(a)
          .post(`${PASSKEYS}/authentication/verify`)
          .send({ response: passkey.authenticate(next, { counter: passkey.counter }) }),
      ),
    ).toEqual({
      status: 401,
      code: 'PASSKEY_INVALID',
    });

    const challenge = await api(b).post(`${AUTH}/login`).send({ username: user.username, password: user.password }).expect(401);
    const mfaToken = challenge.body.mfaToken as string;
    const second = (await api(a).post(`${PASSKEYS}/authentication/options`).send({ mfaToken }).expect(200)).body as RequestOptionsJSON;
    const finished = await api(b)
      .post(`${PASSKEYS}/authentication/verify`)
      .send({ response: passkey.authenticate(second), mfaToken })
      .expect(200);
    await api(a).get(`${AUTH}/me`).set(bearer(finished.body.accessToken)).expect(200);
  });
});
