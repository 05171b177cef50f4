import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { dirname, join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { AuthService } from '../src/auth/auth.service';
import { CsrfService } from '../src/auth/browser/csrf.service';
import { SessionsService } from '../src/sessions/sessions.service';
import { Browser, launchChromium } from './support/chromium';
import { VirtualAuthenticator } from './support/virtual-authenticator';
import { api, bearer, login, newUser, register } from './support/http';
import { freePort, within } from './support/instance';
import { TestProvider } from './support/oidc-provider';
import { CHROMIUM, CHROMIUM_PATH, describeIf } from './support/requirements';
import { createTestApp, createTestDatabase } from './support/test-app';
import { totpAt } from './support/totp';

// The example single-page app (examples/browser-app) in Debian's headless Chromium, driven by playwright-core, as a
// person uses it: the API on http://localhost:<api>, the app on http://localhost:<app> (same site, another origin,
// as an SPA in development), and forged requests from a page on another site (http://127.0.0.1:<evil>) and from a
// page on the same site but an origin the API does not list (http://localhost:<sibling>). Ports are chosen by the
// test, so parallel runs never collide. `__Host-` and `Secure` cookies need a secure context: Chromium treats
// http://localhost as one, which is why every page that must hold the cookies is on localhost.
// No request interception: Playwright answers intercepted CORS preflights itself with "allow everything", which
// would hide exactly what is tested here. A barrier inside the API holds the two tabs' refreshes instead.
// Passkeys are made and used by Chromium's own virtual authenticator (the DevTools WebAuthn domain) for the relying
// party `localhost`, which Chromium allows on http; the app's origin is the one WebAuthn checks.

const ARTIFACT = join('test-artifacts', 'browser-app.png');

// Each test is several browser steps, each waiting up to 10 s for its condition (the provider's pages among them): jest's
// 5 s default is too short for that on a loaded machine.
jest.setTimeout(60_000);

/** A page of an attacker's: a form that posts itself to `action` on load, or a blank page to run fetch from. */
function attackerServer(apiUrl: string): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const form = (action: string, fields: Record<string, string>) =>
      `<form id="f" method="POST" action="${apiUrl}${action}">${Object.entries(fields)
        .map(([name, value]) => `<input name="${name}" value="${value}">`)
        .join('')}</form><script>document.getElementById('f').submit()</script>`;
    const pages: Record<string, string> = {
      '/logout': form('/api/v1/auth/logout', {}),
      '/password': form('/api/v1/auth/password', { currentPassword: 'guess', newPassword: 'attacker password 1' }),
      '/': '<p>nothing to see</p>',
    };
    response.writeHead(pages[path] ? 200 : 404, { 'content-type': 'text/html' });
    response.end(pages[path] ?? '');
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve) => server.listen(port, host, resolve));
}

describeIf(CHROMIUM)(`the example browser app in headless Chromium (${CHROMIUM_PATH})`, () => {
  let app: NestFastifyApplication;
  let provider: TestProvider;
  let spa: ChildProcess;
  const attackers: Server[] = [];
  let browser: Browser;
  let context: BrowserContext;
  const ports = { api: 0, app: 0, evil: 0, sibling: 0 };
  const origin = { api: '', app: '', evil: '', sibling: '' };
  const pageErrors: string[] = [];
  const user = newUser('spa');

  beforeAll(async () => {
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    origin.api = `http://localhost:${ports.api}`;
    origin.app = `http://localhost:${ports.app}`;
    origin.evil = `http://127.0.0.1:${ports.evil}`;
    origin.sibling = `http://localhost:${ports.sibling}`;

    // An identity provider on another site (127.0.0.1), with its own login and consent pages.
    const client = {
      clientId: 'browser-app',
      clientSecret: 'a secret made for this run',
      redirectUri: `${origin.api}/api/v1/auth/oidc/corp/callback`,
    };
    provider = await TestProvider.start([client]);
    const database = await createTestDatabase('sqlite');
    app = await createTestApp({
      DATABASE_URL: database.url,
      CORS_ORIGINS: origin.app,
      PUBLIC_URL: origin.api,
      APP_URL: origin.app,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: origin.app,
      OIDC_PROVIDERS: 'corp',
      OIDC_CORP_NAME: 'Corp',
      OIDC_CORP_ISSUER: provider.issuer,
      OIDC_CORP_CLIENT_ID: client.clientId,
      OIDC_CORP_CLIENT_SECRET: client.clientSecret,
    });
    // '::' takes IPv4 and IPv6 alike, whichever `localhost` resolves to.
    await app.listen(ports.api, '::');
    await register(app, user);

    spa = spawn(process.execPath, ['examples/browser-app/serve.mjs'], {
      env: { PATH: process.env.PATH, PORT: String(ports.app), HOST: '::', API_URL: origin.api },
      stdio: 'ignore',
    });
    await within(10_000, async () => (await fetch(origin.app).catch(() => undefined))?.ok === true);
    const evil = attackerServer(origin.api);
    const sibling = attackerServer(origin.api);
    attackers.push(evil, sibling);
    await listen(evil, ports.evil, '127.0.0.1');
    await listen(sibling, ports.sibling, '::');

    browser = await launchChromium({ width: 900, height: 800 });
    context = browser.context;
    context.setDefaultTimeout(10_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    spa?.kill();
    for (const server of attackers) server.close();
    await app?.close();
    await provider?.stop();
  });

  afterEach(() => jest.restoreAllMocks());

  async function openApp(withAuthenticator = false): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    if (withAuthenticator) await VirtualAuthenticator.attach(page);
    await page.goto(origin.app);
    await page
      .locator('#status')
      .filter({ hasText: /^Signed (in|out)$/ })
      .waitFor();
    return page;
  }

  /** Presses a button and waits for the status line to settle on one of `outcomes`. */
  async function press(page: Page, name: string, outcome: RegExp): Promise<string> {
    await page.getByRole('button', { name }).click();
    const status = page.locator('#status');
    await status.filter({ hasText: outcome }).waitFor();
    return status.innerText();
  }

  /** The cookies the browser keeps for the API's host, whatever their Path. */
  async function apiCookies() {
    return (await context.cookies()).filter((cookie) => cookie.domain === 'localhost');
  }

  async function sessionCookies(): Promise<string[]> {
    return (await apiCookies()).map((cookie) => cookie.name).sort();
  }

  let first: Page;
  let second: Page;

  it('signs in with cookies the page cannot read, and shows the user', async () => {
    first = await openApp();
    await first.getByLabel('Username or email').fill(user.username);
    await first.getByLabel('Password', { exact: true }).fill(user.password);
    await first.getByRole('button', { name: 'Sign in', exact: true }).click();
    await first.locator('#status').filter({ hasText: 'Signed in' }).waitFor();
    expect(await first.locator('#username').innerText()).toBe(user.username);

    const cookies = await apiCookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite, c.path]).sort()).toEqual([
      ['__Host-gh-at', true, true, 'Lax', '/'],
      ['__Secure-gh-rt', true, true, 'Strict', '/api/v1/auth'],
    ]);
    expect(await first.evaluate<string>('document.cookie')).toBe('');
  });

  it('keeps two tabs signed in when both refresh at the same moment with the one refresh cookie', async () => {
    second = await openApp();
    expect(await second.locator('#username').innerText()).toBe(user.username);

    // Both refreshes are held inside the API until both have arrived, then spent together.
    const sessions = app.get(SessionsService);
    const rotate = sessions.rotate.bind(sessions);
    const presented: string[] = [];
    let bothArrived!: () => void;
    const barrier = new Promise<void>((resolve) => (bothArrived = resolve));
    jest.spyOn(sessions, 'rotate').mockImplementation(async (token, client) => {
      presented.push(token as string);
      if (presented.length === 2) bothArrived();
      await barrier;
      return rotate(token, client);
    });

    const outcomes = await Promise.all([
      press(first, 'Refresh session', /^Session (refreshed|ended)$/),
      press(second, 'Refresh session', /^Session (refreshed|ended)$/),
    ]);

    expect(presented).toHaveLength(2);
    expect(presented[0]).toBe(presented[1]);
    expect(outcomes).toEqual(['Session refreshed', 'Session refreshed']);
    for (const page of [first, second]) {
      expect(await press(page, 'Who am I?', /^(Still signed in|Signed out)$/)).toBe('Still signed in');
    }
    expect(await sessionCookies()).toEqual(['__Host-gh-at', '__Secure-gh-rt']);
  });

  it('survives a reload (GET /auth/csrf), and a reload after the access cookie has expired', async () => {
    await first.reload();
    await first
      .locator('#status')
      .filter({ hasText: /^Signed (in|out)$/ })
      .waitFor();
    expect(await first.locator('#username').innerText()).toBe(user.username);

    // As if 15 minutes had passed: the browser drops the access cookie; the refresh cookie brings it back.
    await context.clearCookies({ name: '__Host-gh-at' });
    await first.reload();
    await first
      .locator('#status')
      .filter({ hasText: /^Signed (in|out)$/ })
      .waitFor();
    expect(await first.locator('#status').innerText()).toBe('Signed in');
    expect(await first.locator('#username').innerText()).toBe(user.username);
    expect(await sessionCookies()).toEqual(['__Host-gh-at', '__Secure-gh-rt']);
  });

  it.each([
    ['another site', 'evil'],
    ['the same site but an origin the API does not list', 'sibling'],
  ] as const)('refuses forged requests from a page on %s: a form post and fetch cannot log out or change the password', async (_, who) => {
    const auth = app.get(AuthService);
    const logout = jest.spyOn(auth, 'logout');
    const changePassword = jest.spyOn(auth, 'changePassword');
    const csrfCheck = jest.spyOn(app.get(CsrfService), 'assertTrustedSource');
    const attacker = await context.newPage();
    try {
      for (const path of ['/logout', '/password']) {
        const answered = attacker.waitForResponse((response) => response.url() === `${origin.api}/api/v1/auth${path}`);
        await attacker.goto(`${origin[who]}${path}`);
        const answer = (await (await answered).json()) as { statusCode: number; code: string };
        // A form can only send a form encoding, and this API parses JSON alone: 415 before any handler runs
        // (and POST /auth/password is no route: 404). Neither would have got past the cookie and CSRF checks.
        expect([answer.statusCode, answer.code]).toEqual(path === '/logout' ? [415, 'UNSUPPORTED_MEDIA_TYPE'] : [404, 'NOT_FOUND']);
      }

      await attacker.goto(`${origin[who]}/`);
      const fetched = await attacker.evaluate(async (apiUrl) => {
        const attempt = async (path: string, init: RequestInit) => {
          try {
            const response = await fetch(`${apiUrl}${path}`, { credentials: 'include', ...init });
            return response.type === 'opaque' ? 'opaque' : String(response.status);
          } catch {
            return 'blocked';
          }
        };
        return {
          simplePost: await attempt('/api/v1/auth/logout', { method: 'POST', mode: 'no-cors' }),
          corsPost: await attempt('/api/v1/auth/logout', { method: 'POST' }),
          withGuessedToken: await attempt('/api/v1/auth/logout', { method: 'POST', headers: { 'x-csrf-token': 'guess' } }),
          patchPassword: await attempt('/api/v1/auth/password', {
            method: 'PATCH',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ currentPassword: 'guess', newPassword: 'attacker password 1' }),
          }),
          readCsrf: await attempt('/api/v1/auth/csrf', {}),
        };
      }, origin.api);
      // No answer is readable by the attacker (an opaque or blocked response; those that need a preflight are never sent).
      expect(Object.entries(fetched).filter(([, outcome]) => outcome !== 'opaque' && outcome !== 'blocked')).toEqual([]);
    } finally {
      await attacker.close();
    }

    expect(logout).not.toHaveBeenCalled();
    expect(changePassword).not.toHaveBeenCalled();
    // Another site's requests carry no cookie (SameSite), so the guard refuses them before any CSRF check; the sibling's
    // carry the access cookie (same site), and the CSRF check refuses them (its Origin is not listed).
    const refusedByCsrf = csrfCheck.mock.results.filter((result) => result.type === 'throw').length;
    if (who === 'evil') expect(csrfCheck).not.toHaveBeenCalled();
    else expect(refusedByCsrf).toBeGreaterThanOrEqual(2);
    expect(await press(first, 'Who am I?', /^(Still signed in|Signed out)$/)).toBe('Still signed in');
    await login(app, user);
  });

  it('signs out: the cookies are gone, and the other tab finds itself signed out', async () => {
    try {
      expect(await press(first, 'Sign out', /^Signed out$|CODE/)).toBe('Signed out');
      await first.locator('#signed-out').waitFor();
      expect(await sessionCookies()).toEqual([]);
      expect(await press(second, 'Who am I?', /^(Still signed in|Signed out)$/)).toBe('Signed out');
      await second.locator('#signed-out').waitFor();
      const me = await api(app).get('/api/v1/auth/me');
      expect(me.status).toBe(401);
    } finally {
      mkdirSync(dirname(ARTIFACT), { recursive: true });
      await first.screenshot({ path: ARTIFACT });
    }
    expect(pageErrors).toEqual([]);
  });

  it('signs in with "Sign in with Corp" through the provider’s own login and consent pages, with cookies again', async () => {
    provider.accounts.set('grace', { email: 'grace@corp.example', email_verified: true, preferred_username: 'grace' });
    const page = await openApp();
    await page.getByRole('button', { name: 'Sign in with Corp' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByPlaceholder('Enter any login').fill('grace');
    await page.getByPlaceholder('and password').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.origin === origin.app);
    await page
      .locator('#status')
      .filter({ hasText: /^Signed (in|out)$|failed|CODE|INVALID/ })
      .waitFor();

    expect(await page.locator('#status').innerText()).toBe('Signed in');
    expect(await page.locator('#username').innerText()).toBe('grace');
    // The loginCode is spent and off the address bar; the session is in the HttpOnly cookies, beside the one that tied
    // the flow to this browser (it travelled on the provider's cross-site redirect back: SameSite=Lax).
    expect(new URL(page.url()).search).toBe('');
    expect(await sessionCookies()).toEqual(['__Host-gh-at', '__Secure-gh-oidc', '__Secure-gh-rt']);
    expect((await apiCookies()).every((cookie) => cookie.httpOnly && cookie.secure)).toBe(true);
    expect(await press(page, 'Who am I?', /^(Still signed in|Signed out)$/)).toBe('Still signed in');
    await page.close();
    expect(pageErrors).toEqual([]);
  });
  async function signInWithPassword(page: Page, who: { username: string; password: string }, outcome: RegExp): Promise<string> {
    await page.getByLabel('Username or email').fill(who.username);
    await page.getByLabel('Password', { exact: true }).fill(who.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const status = page.locator('#status');
    await status.filter({ hasText: outcome }).waitFor();
    return status.innerText();
  }

  /** The app with an authenticator of its own, in a browser that holds none of the earlier tests' cookies. */
  async function openSignedOut(): Promise<Page> {
    await context.clearCookies();
    const page = await openApp(true);
    expect(await page.locator('#status').innerText()).toBe('Signed out');
    return page;
  }

  /** What a sign-in step ends on: signed in, the second step asked for, or an error's code. */
  const SIGNED_IN = /^Signed in$|[A-Z_]{6,}/;
  const FIRST_STEP = /^Signed in$|^Second factor needed$|[A-Z_]{6,}/;

  it('registers a passkey, signs out, and signs in with it passwordless, with cookies again', async () => {
    const page = await openSignedOut();
    expect(await signInWithPassword(page, user, FIRST_STEP)).toBe('Signed in');
    expect(await press(page, 'Add a passkey', /^Passkey added$|[A-Z_]{6,}/)).toBe('Passkey added');
    expect(await press(page, 'Sign out', /^Signed out$|CODE/)).toBe('Signed out');
    expect(await sessionCookies()).toEqual([]);

    expect(await press(page, 'Sign in with a passkey', SIGNED_IN)).toBe('Signed in');
    expect(await page.locator('#username').innerText()).toBe(user.username);
    expect(await sessionCookies()).toEqual(['__Host-gh-at', '__Secure-gh-rt']);
    expect(await press(page, 'Who am I?', /^(Still signed in|Signed out)$/)).toBe('Still signed in');
    expect(await press(page, 'Sign out', /^Signed out$|CODE/)).toBe('Signed out');
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('uses a passkey as the second factor of a TOTP user, after the password', async () => {
    // TOTP set up through the API, as any client would.
    const holder = newUser('totp');
    await register(app, holder);
    const tokens = await login(app, holder);
    const enrolment = await api(app).post('/api/v1/auth/mfa/totp').set(bearer(tokens.accessToken)).expect(200);
    const secret = enrolment.body.secret as string;
    await api(app)
      .post('/api/v1/auth/mfa/totp/confirm')
      .set(bearer(tokens.accessToken))
      .send({ code: totpAt(secret) })
      .expect(200);

    const page = await openSignedOut();
    expect(await signInWithPassword(page, holder, FIRST_STEP)).toBe('Second factor needed');
    expect(await page.getByRole('button', { name: 'Use a passkey' }).isVisible()).toBe(false); // none yet
    // The code of the next time step (one step either side is accepted): the one that turned TOTP on is spent.
    await page.getByLabel('Code from your authenticator app').fill(totpAt(secret, Date.now() + 30_000));
    expect(await press(page, 'Verify', SIGNED_IN)).toBe('Signed in');
    expect(await press(page, 'Add a passkey', /^Passkey added$|[A-Z_]{6,}/)).toBe('Passkey added');
    expect(await press(page, 'Sign out', /^Signed out$|CODE/)).toBe('Signed out');

    expect(await signInWithPassword(page, holder, FIRST_STEP)).toBe('Second factor needed');
    expect(await page.getByLabel('Code from your authenticator app').isVisible()).toBe(true);
    expect(await press(page, 'Use a passkey', SIGNED_IN)).toBe('Signed in');
    expect(await page.locator('#username').innerText()).toBe(holder.username);
    expect(await sessionCookies()).toEqual(['__Host-gh-at', '__Secure-gh-rt']);
    // The session has both factors: the API lists the passkey the login used, now with a last use.
    const cookie = (await apiCookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const listed = await api(app).get('/api/v1/auth/passkeys').set('cookie', cookie).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ name: 'Passkey', lastUsedAt: expect.any(String) })]);
    expect(await press(page, 'Sign out', /^Signed out$|CODE/)).toBe('Signed out');
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
