import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { ADMIN_ENV, api, bearer, decodeJwt, login, newUser, register, TEST_ADMIN, TokenPair } from './support/http';
import { CookieJar } from './support/cookie-jar';
import { freePort, Instance, within } from './support/instance';
import { readBody, TestAccount, TestProvider } from './support/oidc-provider';
import { describeIf, POSTGRES } from './support/requirements';
import { totpAt } from './support/totp';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

// API.md "Sign in with an identity provider", against a real OpenID provider (oidc-provider) on a loopback port,
// signed in through its own login and consent pages. The service's public URL is a name that resolves nowhere: the
// provider redirects the "browser" there, and the test delivers that callback to whichever instance it wants.

const PUBLIC_URL = 'http://gatehouse.test';
const APP_URL = 'https://app.example';
const SPA = 'https://spa.example';
const CALLBACK = `${PUBLIC_URL}/api/v1/auth/oidc/corp/callback`;
const CLIENT = { clientId: 'gatehouse', clientSecret: randomBytes(16).toString('hex'), redirectUri: CALLBACK };
const OIDC = '/api/v1/auth/oidc';

function providerEnv(issuer: string): Record<string, string> {
  return {
    PUBLIC_URL,
    APP_URL,
    CORS_ORIGINS: SPA,
    OIDC_PROVIDERS: 'corp',
    OIDC_CORP_NAME: 'Corp',
    OIDC_CORP_ISSUER: issuer,
    OIDC_CORP_CLIENT_ID: CLIENT.clientId,
    OIDC_CORP_CLIENT_SECRET: CLIENT.clientSecret,
  };
}

const newSubject = () => `sub-${randomBytes(6).toString('hex')}`;

describe.each(testDatabases())('sign in with an identity provider on %s', (kind) => {
  let app: NestFastifyApplication;
  let provider: TestProvider;
  let drop: () => Promise<void>;
  let adminToken: string;

  beforeAll(async () => {
    provider = await TestProvider.start([CLIENT]);
    const database = await createTestDatabase(kind);
    drop = database.drop;
    app = await createTestApp({ DATABASE_URL: database.url, ...ADMIN_ENV, ...providerEnv(provider.issuer) });
    // Discovery runs in the background from start.
    await within(15_000, async () => (await api(app).get(`${OIDC}/corp/start`)).status === 302);
    adminToken = (await login(app, TEST_ADMIN)).accessToken;
  });

  afterAll(async () => {
    await app?.close();
    await provider?.stop();
    await drop?.();
  });

  /** The browser's cookie for the OIDC routes (the one that ties a flow to the browser that started it). */
  let browserCookie = '';

  async function start(returnTo?: string): Promise<string> {
    const response = await api(app)
      .get(`${OIDC}/corp/start`)
      .set('cookie', browserCookie)
      .query(returnTo ? { returnTo } : {});
    expect(response.status).toBe(302);
    const [cookie] = response.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/^__Secure-gh-oidc=[A-Za-z0-9_-]{43}; HttpOnly; Secure; SameSite=Lax; Path=\/api\/v1\/auth\/oidc; Max-Age=600$/);
    browserCookie = cookie.split(';')[0];
    return response.headers.location;
  }

  /** Delivers the provider's redirect to the app, as the browser would; answers where the app sends it next. */
  async function deliver(callbackUrl: string, cookie = browserCookie): Promise<URL> {
    const url = new URL(callbackUrl);
    const response = await api(app).get(`${url.pathname}${url.search}`).set('cookie', cookie);
    expect(response.status).toBe(302);
    expect(response.headers['cache-control']).toBe('no-store');
    return new URL(response.headers.location);
  }

  /** The whole browser side of a sign-in: start, the provider's pages as `subject`, the callback. */
  async function signIn(subject: string, account: TestAccount, returnTo?: string): Promise<URL> {
    provider.accounts.set(subject, account);
    return deliver(await provider.signIn(new CookieJar(), await start(returnTo), subject, CALLBACK));
  }

  async function exchange(loginCode: string): Promise<TokenPair> {
    const response = await api(app).post(`${OIDC}/exchange`).send({ loginCode });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    return response.body as TokenPair;
  }

  async function me(tokens: TokenPair): Promise<{ id: string; username: string; email: string; emailVerified: boolean }> {
    return (await api(app).get('/api/v1/auth/me').set(bearer(tokens.accessToken)).expect(200)).body as {
      id: string;
      username: string;
      email: string;
      emailVerified: boolean;
    };
  }

  async function userCount(): Promise<number> {
    return (await api(app).get('/api/v1/users?limit=100').set(bearer(adminToken)).expect(200)).body.total as number;
  }

  const errorOf = (url: URL) => url.searchParams.get('error');

  it('lists the configured providers', async () => {
    const response = await api(app).get(`${OIDC}/providers`).expect(200);
    expect(response.body).toEqual([{ id: 'corp', name: 'Corp' }]);
  });

  it('starts a plain authorization-code request with PKCE S256, state and nonce', async () => {
    const url = new URL(await start());
    expect(url.origin).toBe(provider.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'gatehouse',
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    for (const name of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(name)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('asks a user with a second factor for it after the provider, and says both in amr', async () => {
    const subject = newSubject();
    const account = { email: `${subject}@corp.example`, email_verified: true };
    const first = await exchange((await signIn(subject, account)).searchParams.get('loginCode')!);
    expect(decodeJwt(first.accessToken).payload.amr).toEqual(['fed']);
    const mfa = '/api/v1/auth/mfa';
    const started = await api(app).post(`${mfa}/totp`).set(bearer(first.accessToken)).expect(200);
    await api(app)
      .post(`${mfa}/totp/confirm`)
      .set(bearer(first.accessToken))
      .send({ code: totpAt(started.body.secret as string) })
      .expect(200);

    const loginCode = (await signIn(subject, account)).searchParams.get('loginCode')!;
    const challenged = await api(app).post(`${OIDC}/exchange`).send({ loginCode });
    expect(challenged.status).toBe(401);
    expect(challenged.body).toMatchObject({ code: 'MFA_REQUIRED', methods: ['totp', 'recovery_code'], expiresIn: 300 });
    expect(challenged.body.accessToken).toBeUndefined();
    // The code of the next time step (accepted one step either side): the one just used for confirming is spent.
    const verified = await api(app)
      .post(`${mfa}/verify`)
      .send({ mfaToken: challenged.body.mfaToken, code: totpAt(started.body.secret as string, Date.now() + 30_000) })
      .expect(200);
    expect(decodeJwt(verified.body.accessToken as string).payload.amr).toEqual(['fed', 'otp', 'mfa']);
  });

  it('creates a user at the first sign-in and finds them at the second', async () => {
    const subject = newSubject();
    const email = `${subject}@corp.example`;
    const before = await userCount();

    const first = await signIn(subject, { email, email_verified: true, preferred_username: 'Zoë Müller', name: 'Zoë' });
    expect(first.origin).toBe(APP_URL);
    expect(first.searchParams.has('error')).toBe(false);
    const created = await me(await exchange(first.searchParams.get('loginCode')!));
    expect(created).toMatchObject({ username: 'Zoe_Muller', email, emailVerified: true });
    expect(await userCount()).toBe(before + 1);

    const second = await signIn(subject, { email, email_verified: true, preferred_username: 'Zoë Müller' });
    expect((await me(await exchange(second.searchParams.get('loginCode')!))).id).toBe(created.id);
    expect(await userCount()).toBe(before + 1);

    const detail = await api(app).get(`/api/v1/users/${created.id}`).set(bearer(adminToken)).expect(200);
    expect(detail.body.identities).toEqual([{ id: expect.any(String), provider: 'corp', email, createdAt: expect.any(String) }]);
  });

  it('makes a taken username unique with a suffix, and marks an unverified provider email unverified', async () => {
    const { user } = await register(app, newUser('taken'));
    const subject = newSubject();
    const landed = await signIn(subject, { email: `${subject}@corp.example`, email_verified: false, preferred_username: user.username });
    const created = await me(await exchange(landed.searchParams.get('loginCode')!));
    expect(created.username).toMatch(new RegExp(`^${user.username}-[0-9a-f]{4}$`));
    expect(created.emailVerified).toBe(false);
  });

  it('answers a password login of a user without a password as a wrong password', async () => {
    const subject = newSubject();
    const landed = await signIn(subject, { email: `${subject}@corp.example`, email_verified: true, preferred_username: subject });
    const created = await me(await exchange(landed.searchParams.get('loginCode')!));
    const attempt = await api(app).post('/api/v1/auth/login').send({ username: created.username, password: 'any password at all' });
    expect(attempt.status).toBe(401);
    expect(attempt.body).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('never links by email: an address of a local account refuses, verified or not, and creates nothing', async () => {
    const { user } = await register(app, newUser('local'));
    const before = await userCount();
    for (const email_verified of [true, false]) {
      const subject = newSubject();
      const landed = await signIn(subject, { email: user.email.toUpperCase(), email_verified }, `${APP_URL}/signed-in`);
      expect(landed.pathname).toBe('/signed-in');
      expect(errorOf(landed)).toBe('ACCOUNT_EXISTS');
      expect(landed.searchParams.has('loginCode')).toBe(false);
    }
    expect(await userCount()).toBe(before);
  });

  it('links from a signed-in session, then signs that user in through the provider, and unlinks', async () => {
    const { user, id } = await register(app, newUser('linker'));
    const tokens = await login(app, user);
    const linkStart = await api(app)
      .post(`${OIDC}/corp/link`)
      .set(bearer(tokens.accessToken))
      .send({ returnTo: `${SPA}/settings` })
      .expect(200);
    const subject = newSubject();
    provider.accounts.set(subject, { email: `other-${subject}@corp.example`, email_verified: true });
    const linked = await deliver(await provider.signIn(new CookieJar(), linkStart.body.authorizationUrl, subject, CALLBACK));
    expect(`${linked.origin}${linked.pathname}`).toBe(`${SPA}/settings`);
    expect(linked.searchParams.get('linked')).toBe('corp');

    const identities = await api(app).get(`/api/v1/auth/identities`).set(bearer(tokens.accessToken)).expect(200);
    expect(identities.body).toEqual([
      { id: expect.any(String), provider: 'corp', email: `other-${subject}@corp.example`, createdAt: expect.any(String) },
    ]);
    const viaProvider = await signIn(subject, provider.accounts.get(subject)!);
    expect((await me(await exchange(viaProvider.searchParams.get('loginCode')!))).id).toBe(id);

    // The user has a password, so the identity is not their last way in.
    await api(app).delete(`/api/v1/auth/identities/${identities.body[0].id}`).set(bearer(tokens.accessToken)).expect(204);
    expect((await api(app).get(`/api/v1/auth/identities`).set(bearer(tokens.accessToken)).expect(200)).body).toEqual([]);
  });

  it('records the audit events of provider sign-ins, links and unlinks', async () => {
    const types = async (userId: string) =>
      (
        (await api(app).get('/api/v1/audit-events').query({ userId, limit: 100 }).set(bearer(adminToken)).expect(200)).body.items as {
          type: string;
          actorId: string;
          details: { method?: string; provider?: string };
        }[]
      ).map((event) => `${event.type} ${event.details.method ?? event.details.provider ?? ''}`.trim());

    const subject = newSubject();
    const created = await me(
      await exchange((await signIn(subject, { email: `${subject}@corp.example`, email_verified: true })).searchParams.get('loginCode')!),
    );
    expect((await types(created.id)).sort()).toEqual(['identity.linked corp', 'login.succeeded oidc', 'user.registered oidc']);

    const { user, id } = await register(app, newUser('audited'));
    const tokens = await login(app, user);
    const linkStart = await api(app).post(`${OIDC}/corp/link`).set(bearer(tokens.accessToken)).send({}).expect(200);
    const other = newSubject();
    provider.accounts.set(other, { email: `${other}@corp.example`, email_verified: true });
    expect(
      (await deliver(await provider.signIn(new CookieJar(), linkStart.body.authorizationUrl, other, CALLBACK))).searchParams.get('linked'),
    ).toBe('corp');
    const [identity] = (await api(app).get('/api/v1/auth/identities').set(bearer(tokens.accessToken)).expect(200)).body;
    await api(app).delete(`/api/v1/auth/identities/${identity.id}`).set(bearer(tokens.accessToken)).expect(204);
    expect(await types(id)).toEqual(expect.arrayContaining(['identity.linked corp', 'identity.unlinked corp']));
  });

  it("refuses to link an identity that is another user's", async () => {
    const subject = newSubject();
    const owner = await signIn(subject, { email: `${subject}@corp.example`, email_verified: true });
    await exchange(owner.searchParams.get('loginCode')!);

    const tokens = (await register(app, newUser('thief')).then(({ user }) => login(app, user))).accessToken;
    const linkStart = await api(app).post(`${OIDC}/corp/link`).set(bearer(tokens)).send({}).expect(200);
    const landed = await deliver(await provider.signIn(new CookieJar(), linkStart.body.authorizationUrl, subject, CALLBACK));
    expect(errorOf(landed)).toBe('IDENTITY_IN_USE');
    expect((await api(app).get(`/api/v1/auth/identities`).set(bearer(tokens)).expect(200)).body).toEqual([]);
  });

  it('never unlinks the last way to sign in (LAST_LOGIN_METHOD), and unlinks only the caller’s identities', async () => {
    const subject = newSubject();
    const landed = await signIn(subject, { email: `${subject}@corp.example`, email_verified: true });
    const tokens = await exchange(landed.searchParams.get('loginCode')!);
    const [identity] = (await api(app).get(`/api/v1/auth/identities`).set(bearer(tokens.accessToken)).expect(200)).body;

    const refused = await api(app).delete(`/api/v1/auth/identities/${identity.id}`).set(bearer(tokens.accessToken));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'LAST_LOGIN_METHOD' });

    const stranger = await register(app, newUser('stranger')).then(({ user }) => login(app, user));
    const notTheirs = await api(app).delete(`/api/v1/auth/identities/${identity.id}`).set(bearer(stranger.accessToken));
    expect(notTheirs.status).toBe(404);
    expect(notTheirs.body).toMatchObject({ code: 'IDENTITY_NOT_FOUND' });
    expect((await api(app).get(`/api/v1/auth/identities`).set(bearer(tokens.accessToken)).expect(200)).body).toHaveLength(1);
  });

  it('spends a loginCode once, and answers the exchange in cookies when asked', async () => {
    const subject = newSubject();
    const landed = await signIn(subject, { email: `${subject}@corp.example`, email_verified: true });
    const loginCode = landed.searchParams.get('loginCode')!;

    const cookies = await api(app).post(`${OIDC}/exchange`).set('x-token-transport', 'cookie').send({ loginCode });
    expect(cookies.status).toBe(200);
    expect(cookies.headers['cache-control']).toBe('no-store');
    expect(cookies.body).toEqual({
      tokenType: 'Cookie',
      expiresIn: expect.any(Number),
      refreshExpiresIn: expect.any(Number),
      csrfToken: expect.any(String),
    });
    const setCookie = cookies.headers['set-cookie'] as unknown as string[];
    expect(setCookie.some((c) => c.startsWith('__Host-gh-at='))).toBe(true);
    expect(setCookie.some((c) => c.startsWith('__Secure-gh-rt='))).toBe(true);

    for (const presented of [loginCode, 'x'.repeat(43), 'short']) {
      const replay = await api(app).post(`${OIDC}/exchange`).send({ loginCode: presented });
      expect(replay.status).toBe(400);
      expect(replay.body).toMatchObject({ code: 'LOGIN_CODE_INVALID' });
    }
  });

  it('refuses a replayed state and an altered one, creating nothing', async () => {
    const subject = newSubject();
    provider.accounts.set(subject, { email: `${subject}@corp.example`, email_verified: true });
    const callbackUrl = await provider.signIn(new CookieJar(), await start(`${SPA}/x`), subject, CALLBACK);
    const before = await userCount();

    const altered = new URL(callbackUrl);
    const state = altered.searchParams.get('state')!;
    altered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const alteredLanding = await deliver(altered.toString());
    expect(`${alteredLanding.origin}${alteredLanding.pathname}`).toBe(`${APP_URL}/`);
    expect(errorOf(alteredLanding)).toBe('OIDC_STATE_INVALID');

    expect((await deliver(callbackUrl)).searchParams.has('loginCode')).toBe(true);
    const replayed = await deliver(callbackUrl);
    expect(errorOf(replayed)).toBe('OIDC_STATE_INVALID');
    expect(replayed.searchParams.has('loginCode')).toBe(false);
    expect(await userCount()).toBe(before + 1);
  });

  it('spends a state and a loginCode exactly once under concurrency', async () => {
    const subject = newSubject();
    provider.accounts.set(subject, { email: `${subject}@corp.example`, email_verified: true });
    const callbackUrl = await provider.signIn(new CookieJar(), await start(), subject, CALLBACK);
    const landings = await Promise.all([deliver(callbackUrl), deliver(callbackUrl), deliver(callbackUrl)]);
    const codes = landings.map((landed) => landed.searchParams.get('loginCode')).filter((code) => code !== null);
    expect(codes).toHaveLength(1);
    expect(landings.map(errorOf).filter(Boolean)).toEqual(['OIDC_STATE_INVALID', 'OIDC_STATE_INVALID']);

    const exchanges = await Promise.all([1, 2, 3].map(() => api(app).post(`${OIDC}/exchange`).send({ loginCode: codes[0] })));
    expect(exchanges.map((response) => response.status).sort()).toEqual([200, 400, 400]);
  });

  it('ends a sign-in only in the browser that started it (login CSRF), creating nothing', async () => {
    const subject = newSubject();
    provider.accounts.set(subject, { email: `${subject}@corp.example`, email_verified: true });
    const before = await userCount();
    // An attacker's callback URL, opened by a victim whose browser has no binding cookie, or one of its own.
    for (const cookie of ['', `__Secure-gh-oidc=${randomBytes(32).toString('base64url')}`]) {
      const attackers = await provider.signIn(new CookieJar(), await start(`${SPA}/x`), subject, CALLBACK);
      const landed = await deliver(attackers, cookie);
      expect(`${landed.origin}${landed.pathname}`).toBe(`${SPA}/x`);
      expect(errorOf(landed)).toBe('OIDC_STATE_INVALID');
    }
    expect(await userCount()).toBe(before);

    // One browser may run two flows at once (two tabs): both keep its one cookie, and both can finish.
    const binding = browserCookie;
    const tabs = [await start(`${SPA}/one`), await start(`${SPA}/two`)];
    expect(browserCookie).toBe(binding);
    for (const tab of tabs) {
      expect((await deliver(await provider.signIn(new CookieJar(), tab, subject, CALLBACK))).searchParams.has('loginCode')).toBe(true);
    }
  });

  it('refuses an ID token with another nonce than the flow’s', async () => {
    const subject = newSubject();
    provider.accounts.set(subject, { email: `${subject}@corp.example`, email_verified: true });
    // The browser (or whoever holds the request) swaps the nonce: the provider signs the one it was given.
    const authorizationUrl = new URL(await start(`${SPA}/x`));
    authorizationUrl.searchParams.set('nonce', randomBytes(32).toString('base64url'));
    const before = await userCount();
    const landed = await deliver(await provider.signIn(new CookieJar(), authorizationUrl.toString(), subject, CALLBACK));
    expect(`${landed.origin}${landed.pathname}`).toBe(`${SPA}/x`);
    expect(errorOf(landed)).toBe('OIDC_FAILED');
    expect(await userCount()).toBe(before);
  });

  it('refuses an ID token issued for another audience (or by another issuer)', async () => {
    for (const wrong of [{ aud: 'another-client' }, { iss: 'https://elsewhere.example' }]) {
      const subject = newSubject();
      provider.accounts.set(subject, { email: `${subject}@corp.example`, email_verified: true });
      const authorizationUrl = new URL(await start());
      const nonce = authorizationUrl.searchParams.get('nonce')!;
      let exchanged: URLSearchParams | undefined;
      provider.tokenHook = (request, response) => {
        void readBody(request).then(async (body) => {
          exchanged = body;
          const idToken = await provider.signIdToken({ iss: provider.issuer, aud: CLIENT.clientId, sub: subject, nonce, ...wrong });
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', expires_in: 60, id_token: idToken }));
        });
      };
      const before = await userCount();
      const landed = await deliver(await provider.signIn(new CookieJar(), authorizationUrl.toString(), subject, CALLBACK));
      expect(exchanged?.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(errorOf(landed)).toBe('OIDC_FAILED');
      expect(await userCount()).toBe(before);
    }
  });

  it('refuses a returnTo on another site, compared by parsed origin', async () => {
    for (const returnTo of [
      'https://evil.example/',
      'https://app.example.evil.example/',
      'https://app.example@evil.example/',
      '//evil.example/x',
      'javascript:alert(1)',
      'http://app.example/',
    ]) {
      const response = await api(app).get(`${OIDC}/corp/start`).query({ returnTo });
      expect([returnTo, response.status, response.body.code]).toEqual([returnTo, 400, 'RETURN_URL_NOT_ALLOWED']);
    }
    await start(`${SPA}/welcome?tab=1`);
    await start('/relative/to/app');
  });

  it('ends a flow the provider refused, or with a missing or repeated code, at returnTo with OIDC_FAILED', async () => {
    for (const query of ['error=access_denied&error_description=no', '', 'code=a&code=b']) {
      const state = new URL(await start(`${SPA}/back`)).searchParams.get('state')!;
      const landed = await deliver(`${CALLBACK}?state=${state}${query ? `&${query}` : ''}`);
      expect(`${landed.origin}${landed.pathname}`).toBe(`${SPA}/back`);
      expect(errorOf(landed)).toBe('OIDC_FAILED');
    }
  });

  it('answers 400 to a callback it cannot tie to any flow, and sends one without a state to APP_URL', async () => {
    for (const query of ['state=a&state=b&code=c', `state=${'s'.repeat(600)}&code=c`]) {
      const response = await api(app).get(`${OIDC}/corp/callback?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const landed = await deliver(`${CALLBACK}?code=c`);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${APP_URL}/`);
    expect(errorOf(landed)).toBe('OIDC_STATE_INVALID');
  });

  it('does not sign a disabled user in', async () => {
    const subject = newSubject();
    const account = { email: `${subject}@corp.example`, email_verified: true };
    const first = await signIn(subject, account);
    const { id } = await me(await exchange(first.searchParams.get('loginCode')!));
    const unused = (await signIn(subject, account)).searchParams.get('loginCode')!;
    await api(app).patch(`/api/v1/users/${id}`).set(bearer(adminToken)).send({ disabled: true }).expect(200);

    expect(errorOf(await signIn(subject, account))).toBe('ACCOUNT_DISABLED');
    const late = await api(app).post(`${OIDC}/exchange`).send({ loginCode: unused });
    expect(late.status).toBe(403);
    expect(late.body).toMatchObject({ code: 'ACCOUNT_DISABLED' });
  });

  it("forgets a deleted user's identities: the next sign-in with one creates a new user", async () => {
    const subject = newSubject();
    const account = { email: `${subject}@corp.example`, email_verified: true };
    const first = await me(await exchange((await signIn(subject, account)).searchParams.get('loginCode')!));
    await api(app).delete(`/api/v1/users/${first.id}`).set(bearer(adminToken)).expect(204);

    const again = await me(await exchange((await signIn(subject, account)).searchParams.get('loginCode')!));
    expect(again.id).not.toBe(first.id);
    expect(again.email).toBe(account.email);
  });

  it('answers 404 PROVIDER_NOT_FOUND for a provider that is not configured', async () => {
    for (const path of [`${OIDC}/google/start`, `${OIDC}/google/callback?state=x`]) {
      const response = await api(app).get(path);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
    }
  });
});

describe('a provider that is down at start', () => {
  let instance: Instance;
  let provider: TestProvider | undefined;

  afterAll(async () => {
    await instance?.stop();
    await provider?.stop();
  });

  it('does not stop the service; its start answers 503 until discovery succeeds on a retry', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const database = await createTestDatabase('sqlite');
    instance = await Instance.start({ DATABASE_URL: database.url, ...providerEnv(issuer) });

    expect((await fetch(`${instance.url}/health/ready`)).status).toBe(200);
    const providers = await fetch(`${instance.url}${OIDC}/providers`);
    expect(await providers.json()).toEqual([{ id: 'corp', name: 'Corp' }]);
    const early = await fetch(`${instance.url}${OIDC}/corp/start`, { redirect: 'manual' });
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });

    provider = await TestProvider.start([CLIENT], port);
    await within(30_000, async () => (await fetch(`${instance.url}${OIDC}/corp/start`, { redirect: 'manual' })).status === 302);
    expect(instance.logSince(0)).toContain('could not be discovered');
  }, 60_000);
});

describeIf(POSTGRES)('a flow across instances (PostgreSQL)', () => {
  const instances: Instance[] = [];
  let provider: TestProvider;
  let drop: () => Promise<void>;

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await provider?.stop();
    await drop?.();
  });

  it('starts on one instance, takes the callback on another and the exchange on the first', async () => {
    provider = await TestProvider.start([CLIENT]);
    const database = await createTestDatabase('postgres');
    drop = database.drop;
    const env = { DATABASE_URL: database.url, ...providerEnv(provider.issuer) };
    instances.push(await Instance.start(env));
    instances.push(await Instance.start(env));
    const [a, b] = instances;
    for (const instance of instances) {
      await within(15_000, async () => (await fetch(`${instance.url}${OIDC}/corp/start`, { redirect: 'manual' })).status === 302);
    }

    const subject = newSubject();
    provider.accounts.set(subject, { email: `${subject}@corp.example`, email_verified: true });
    const started = await fetch(`${a.url}${OIDC}/corp/start`, { redirect: 'manual' });
    const cookie = started.headers.getSetCookie()[0].split(';')[0];
    const callbackUrl = new URL(await provider.signIn(new CookieJar(), started.headers.get('location')!, subject, CALLBACK));
    const landed = await fetch(`${b.url}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual', headers: { cookie } });
    expect(landed.status).toBe(302);
    const loginCode = new URL(landed.headers.get('location')!).searchParams.get('loginCode');
    expect(loginCode).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const exchanged = await fetch(`${a.url}${OIDC}/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginCode }),
    });
    expect(exchanged.status).toBe(200);
    const { accessToken } = (await exchanged.json()) as TokenPair;
    const me = await fetch(`${b.url}/api/v1/auth/me`, { headers: bearer(accessToken) });
    expect(((await me.json()) as { email: string }).email).toBe(`${subject}@corp.example`);
  }, 90_000);
});
