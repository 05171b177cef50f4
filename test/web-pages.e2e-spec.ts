import { NestFastifyApplication } from '@nestjs/platform-fastify';
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Page } from 'playwright-core';
import { Browser, launchChromium } from './support/chromium';
import { VirtualAuthenticator } from './support/virtual-authenticator';
import { ADMIN_ENV, api, bearer, login, newUser, register, TEST_ADMIN, TestUser } from './support/http';
import { freePort } from './support/instance';
import { CHROMIUM, CHROMIUM_PATH, describeIf } from './support/requirements';
import { TestProvider } from './support/oidc-provider';
import { totpAt } from './support/totp';
import { startSmtpListener, SmtpListener } from './support/smtp-listener';
import { createTestApp, createTestDatabase } from './support/test-app';

// /account and /admin (API.md "Web pages") in Debian's headless Chromium, clicked through as a person uses them, on
// the real app listening on http://localhost:<port> (a secure context, so the `__Host-` cookies work) with mail going
// to a real SMTP listener. APP_URL is left unset: its default is the app's own /account page, so mailed links land there.
// Passkeys are made and used by Chromium's own virtual authenticator (the DevTools WebAuthn domain), on the relying
// party `localhost`, which Chromium allows on http.

const ARTIFACTS = 'test-artifacts';
/** A browser step waits up to 15 s for its condition; a test is a handful of them (the provider's pages included). */
const TEST_TIMEOUT_MS = 60_000;

describeIf(CHROMIUM)(`the web pages in headless Chromium (${CHROMIUM_PATH})`, () => {
  let app: NestFastifyApplication;
  let smtp: SmtpListener;
  let provider: TestProvider;
  let origin: string;
  const browsers: Browser[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    smtp = await startSmtpListener();
    // An identity provider on another site (127.0.0.1), with its own login and consent pages.
    const client = {
      clientId: 'web-pages',
      clientSecret: 'a secret made for this run',
      redirectUri: `${origin}/api/v1/auth/oidc/corp/callback`,
    };
    provider = await TestProvider.start([client]);
    const database = await createTestDatabase('sqlite');
    app = await createTestApp({
      DATABASE_URL: database.url,
      PUBLIC_URL: origin,
      APP_URL: undefined,
      SMTP_URL: smtp.url,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: origin,
      ...ADMIN_ENV,
      OIDC_PROVIDERS: 'corp',
      OIDC_CORP_NAME: 'Corp',
      OIDC_CORP_ISSUER: provider.issuer,
      OIDC_CORP_CLIENT_ID: client.clientId,
      OIDC_CORP_CLIENT_SECRET: client.clientSecret,
    });
    await app.listen(port, '::');
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await app?.close();
    await smtp?.close();
    await provider?.stop();
    expect(pageErrors).toEqual([]);
  });

  /** A browser of its own (its own cookie jar: another person, or the same person on another device). */
  async function newBrowser(): Promise<Browser> {
    const browser = await launchChromium({ width: 1000, height: 900 });
    browser.context.setDefaultTimeout(15_000);
    browsers.push(browser);
    return browser;
  }

  async function open(browser: Browser, path: string, before?: (page: Page) => Promise<void>): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${path}: ${error.message}`));
    await before?.(page);
    await page.goto(origin + path);
    return page;
  }

  async function signIn(page: Page, user: Pick<TestUser, 'username' | 'password'>): Promise<void> {
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** Through the provider's own login and consent pages, as `login` there, back to /account. */
  async function throughProvider(page: Page, login: string): Promise<void> {
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByPlaceholder('Enter any login').fill(login);
    await page.getByPlaceholder('and password').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.origin === origin);
  }

  /** The link of the next mail to `to` whose link ends in `page` (a registration also mails a verification link). */
  async function mailedLink(to: string, page: string): Promise<URL> {
    for (;;) {
      const mail = await smtp.take(to.toLowerCase());
      const link = new URL(/https?:\/\/\S+\?token=\S+/.exec(mail.text)![0]);
      if (link.pathname.endsWith(`/${page}`)) return link;
    }
  }

  /** axe-core's serious and critical findings on the page as it is now. Injected over CDP, which the CSP allows. */
  async function accessibilityProblems(page: Page): Promise<string[]> {
    await page.evaluate(axe.source);
    const results = await page.evaluate<axe.AxeResults>('axe.run(document)');
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  }

  it(
    "serves the pages with a strict CSP, helmet's page headers, and under 150 kB of JavaScript gzipped",
    async () => {
      for (const path of ['/account', '/account/reset-password', '/account/verify-email', '/admin']) {
        const response = await api(app).get(path);
        // Every script from this origin, @simplewebauthn/browser's bundle among them.
        for (const [, src] of response.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)) expect(src).toMatch(/^\/web\/[\w-]+\.js$/);
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        const csp = String(response.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).toContain("frame-ancestors 'none'");
        expect(response.headers['x-dns-prefetch-control']).toBe('off');
        expect(response.headers['referrer-policy']).toBe('no-referrer');
      }
      let gzipped = 0;
      const scripts = ['gatehouse.js', 'ui.js', 'account.js', 'second-factor.js', 'passkeys.js', 'admin.js', 'simplewebauthn-browser.js'];
      for (const script of scripts) {
        const response = await api(app).get(`/web/${script}`);
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toMatch(/^text\/javascript/);
        gzipped += gzipSync(response.text).length;
      }
      const bundle = await api(app).get('/web/simplewebauthn-browser.js');
      expect(bundle.text).toMatch(/^\/\* \[@simplewebauthn\/browser@14\./);
      expect(bundle.text).toContain('SimpleWebAuthnBrowser');
      expect((await api(app).get('/account')).text).toContain('src="/web/simplewebauthn-browser.js"');
      expect(gzipped).toBeLessThan(150 * 1024);
      expect((await api(app).get('/web/nothing.js')).status).toBe(404);
    },
    TEST_TIMEOUT_MS,
  );

  const person = newUser('page');
  let personPage: Page;

  it(
    "asks to sign in without a session, shows the API's message on a wrong password, then opens the account",
    async () => {
      await register(app, person);
      personPage = await open(await newBrowser(), '/account');
      await personPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      expect(await accessibilityProblems(personPage)).toEqual([]);

      await signIn(personPage, { username: person.username, password: 'not the password at all' });
      await personPage
        .locator('#sign-in-form [data-error]')
        .filter({ hasText: /invalid/i })
        .waitFor();

      await signIn(personPage, person);
      await personPage.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await personPage.locator('#profile').innerText()).toContain(person.username);
      expect(await personPage.locator('#sessions tbody tr').count()).toBe(1);
      expect(await accessibilityProblems(personPage)).toEqual([]);
      await personPage.screenshot({ path: join(ARTIFACTS, 'account.png'), fullPage: true });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs in with a provider through its own pages, and refuses to unlink the only way to sign in',
    async () => {
      provider.accounts.set('ada', { email: 'ada@corp.example', email_verified: true, preferred_username: 'ada' });
      const page = await open(await newBrowser(), '/account');
      await page.getByRole('button', { name: 'Sign in with Corp' }).click();
      await throughProvider(page, 'ada');
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(new URL(page.url()).search).toBe(''); // the loginCode is spent and off the address bar
      expect(await page.locator('#profile').innerText()).toContain('ada');
      await page.getByRole('button', { name: 'Unlink Corp' }).click();
      await page.locator('#identities-error').filter({ hasText: /./ }).waitFor();
      expect(await page.locator('#identities tbody tr').count()).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'links a provider to a password account and unlinks it again',
    async () => {
      provider.accounts.set('person-at-corp', { email: `${person.username}@corp.example`, email_verified: true });
      await personPage.getByRole('button', { name: 'Link Corp' }).click();
      await throughProvider(personPage, 'person-at-corp');
      await personPage.locator('#status').filter({ hasText: 'Corp linked' }).waitFor();
      const row = personPage.locator('#identities tbody tr', { hasText: `${person.username}@corp.example` });
      await row.waitFor();
      await personPage.getByRole('button', { name: 'Unlink Corp' }).click();
      await row.waitFor({ state: 'detached' });
      await personPage.locator('#status').filter({ hasText: 'Provider unlinked' }).waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'ends a session of another device from the sessions list',
    async () => {
      const other = await api(app)
        .post('/api/v1/auth/login')
        .set('user-agent', 'OtherDevice/1.0 (Phone)')
        .send({ username: person.username, password: person.password });
      expect(other.status).toBe(200);
      await personPage.reload();
      await personPage.getByRole('heading', { name: 'Your account' }).waitFor();
      const row = personPage.locator('#sessions tbody tr', { hasText: 'OtherDevice' });
      await row.getByRole('button', { name: 'End this session' }).click();
      await row.waitFor({ state: 'detached' });
      expect(await personPage.locator('#sessions tbody tr').count()).toBe(1);
      // Ended for real: the other device's tokens no longer work.
      expect(
        (
          await api(app)
            .get('/api/v1/auth/me')
            .set(bearer(other.body.accessToken as string))
        ).status,
      ).toBe(401);
      expect((await api(app).post('/api/v1/auth/refresh').send({ refreshToken: other.body.refreshToken })).status).toBe(401);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a refused new password under its field, and changes it when the API accepts it',
    async () => {
      const form = personPage.locator('#password-form');
      await form.getByLabel('Current password').fill(person.password);
      await form.getByLabel('New password').fill('short');
      await form.getByRole('button', { name: 'Change password' }).click();
      await form
        .locator('[data-error-for="newPassword"]')
        .filter({ hasText: /newPassword/ })
        .waitFor();
      expect(await form.getByLabel('New password').getAttribute('aria-invalid')).toBe('true');

      const newPassword = `${person.password} and more`;
      await form.getByLabel('Current password').fill(person.password);
      await form.getByLabel('New password').fill(newPassword);
      await form.getByRole('button', { name: 'Change password' }).click();
      await personPage.locator('#status').filter({ hasText: 'Password changed' }).waitFor();
      person.password = newPassword;
      expect((await login(app, person)).accessToken).toBeDefined();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'resets a forgotten password from the mailed link, which lands on /account/reset-password',
    async () => {
      const page = await open(await newBrowser(), '/account');
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email', { exact: true }).fill(person.email);
      await page.getByRole('button', { name: 'Send a reset link' }).click();
      await page.locator('#status').filter({ hasText: 'reset link' }).waitFor();

      const link = await mailedLink(person.email, 'reset-password');
      expect(link.origin + link.pathname).toBe(`${origin}/account/reset-password`);
      await page.goto(link.toString());
      expect(new URL(page.url()).search).toBe(''); // the token leaves the address bar at once
      expect(await accessibilityProblems(page)).toEqual([]);
      const newPassword = `reset ${person.password}`;
      await page.locator('#reset-form').getByLabel('New password').fill(newPassword);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.locator('#status').filter({ hasText: 'sign in with the new one' }).waitFor();
      person.password = newPassword;
      await signIn(page, person);
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      personPage = page;
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "sets up TOTP from the QR code's secret, shows the recovery codes once, and asks for a code at the next sign-in",
    async () => {
      await personPage.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await personPage.locator('#totp-qr').waitFor();
      expect(await personPage.locator('#totp-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      const secret = await personPage.locator('#totp-secret').innerText();
      await personPage.getByLabel('Code your app shows').fill(totpAt(secret));
      await personPage.getByRole('button', { name: 'Turn on' }).click();
      await personPage.locator('#status').filter({ hasText: 'Two-factor authentication is on' }).waitFor();
      expect(await personPage.locator('#recovery-list li').count()).toBe(10);
      expect(await accessibilityProblems(personPage)).toEqual([]);
      await personPage.screenshot({ path: join(ARTIFACTS, 'account-mfa.png'), fullPage: true });

      await personPage.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signIn(personPage, person);
      await personPage.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
      expect(await accessibilityProblems(personPage)).toEqual([]);
      await personPage
        .locator('#mfa-form')
        .getByLabel('Code from your authenticator app')
        .fill('000000' === totpAt(secret) ? '111111' : '000000');
      await personPage.getByRole('button', { name: 'Verify' }).click();
      await personPage.locator('#mfa-form [data-error-for="code"], #mfa-form [data-error]').filter({ hasText: /./ }).first().waitFor();
      // The code of the next time step (one step either side is accepted): the one that turned TOTP on is spent.
      await personPage
        .locator('#mfa-form')
        .getByLabel('Code from your authenticator app')
        .fill(totpAt(secret, Date.now() + 30_000));
      await personPage.getByRole('button', { name: 'Verify' }).click();
      await personPage.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await personPage.locator('#mfa-status').innerText()).toContain('recovery codes left');
      const events = await personPage.locator('#events tbody').innerText();
      expect(events).toContain('Two-factor authentication turned on');
      expect(events).toContain('Wrong two-factor code');
      expect(events).toContain('Signed in (mfa)');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'adds a passkey for a TOTP user, who is then offered it beside the code after the password, and signs in with it',
    async () => {
      const authenticator = await VirtualAuthenticator.attach(personPage);
      await personPage.getByLabel('Name for a new passkey').fill('Security key');
      await personPage.getByRole('button', { name: 'Add a passkey' }).click();
      await personPage.locator('#status').filter({ hasText: 'Passkey “Security key” added' }).waitFor();
      const row = personPage.locator('#passkeys tbody tr', { hasText: 'Security key' });
      expect(await row.count()).toBe(1);
      expect(await personPage.locator('#mfa-status').innerText()).toMatch(/recovery codes left; a passkey/);

      await authenticator.presence(false); // not picked from the sign-in form's autofill: this test is about the password
      await personPage.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signIn(personPage, person);
      await personPage.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
      expect(await personPage.locator('#mfa-form').getByLabel('Code from your authenticator app').isVisible()).toBe(true);
      const usePasskey = personPage.getByRole('button', { name: 'Use a passkey' });
      expect(await usePasskey.isVisible()).toBe(true);
      expect(await accessibilityProblems(personPage)).toEqual([]);
      await authenticator.presence(true);
      await usePasskey.click();
      await personPage.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await row.locator('td').nth(2).innerText()).not.toBe('Never');
      expect(await personPage.locator('#events tbody').innerText()).toContain('Passkey added');
      // From here on the person ignores the autofill offer (the admin's test signs this page out).
      await authenticator.presence(false);
    },
    TEST_TIMEOUT_MS,
  );

  const keyholder = newUser('keys');
  let keyPage: Page;
  let keys: VirtualAuthenticator;

  it(
    'adds a passkey after a recent sign-in, lists it, and renames it from the keyboard (a refused name under its field)',
    async () => {
      await register(app, keyholder);
      keyPage = await open(await newBrowser(), '/account', async (page) => {
        keys = await VirtualAuthenticator.attach(page);
      });
      await keyPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      expect(await keyPage.getByLabel('Username or email').getAttribute('autocomplete')).toBe('username webauthn');
      await signIn(keyPage, keyholder);
      await keyPage.getByRole('heading', { name: 'Your account' }).waitFor();
      await keyPage.getByText('You have no passkeys yet.').waitFor();

      await keyPage.getByLabel('Name for a new passkey').fill('Laptop');
      await keyPage.getByRole('button', { name: 'Add a passkey' }).click();
      await keyPage.locator('#status').filter({ hasText: 'Passkey “Laptop” added' }).waitFor();
      const laptop = keyPage.locator('#passkeys tbody tr', { hasText: 'Laptop' });
      const cells = await laptop.locator('td').allInnerTexts();
      expect(cells.slice(0, 4)).toEqual(['Laptop', expect.stringMatching(/\d/), 'Never', 'No']);
      // A discoverable credential on the authenticator, for this relying party, made for this user.
      const [credential] = await keys.credentials();
      expect([credential.rpId, credential.isResidentCredential, credential.userName]).toEqual(['localhost', true, keyholder.username]);
      expect(await accessibilityProblems(keyPage)).toEqual([]);

      await keyPage.getByRole('button', { name: 'Rename Laptop' }).press('Enter');
      const rename = keyPage.locator('#passkey-rename-form');
      const newName = rename.getByLabel('New name for “Laptop”');
      expect(await newName.evaluate((input) => input === document.activeElement)).toBe(true);
      await keyPage.keyboard.type('x'.repeat(65));
      await keyPage.keyboard.press('Enter');
      await rename.locator('[data-error-for="name"]').filter({ hasText: /name/ }).waitFor();
      expect(await newName.getAttribute('aria-invalid')).toBe('true');
      expect(await accessibilityProblems(keyPage)).toEqual([]);
      await newName.fill('Work laptop');
      await keyPage.keyboard.press('Enter');
      await keyPage.locator('#status').filter({ hasText: 'Passkey renamed to “Work laptop”' }).waitFor();
      expect(await rename.isHidden()).toBe(true);
      expect(await keyPage.locator('#passkeys tbody tr').allInnerTexts()).toEqual([expect.stringContaining('Work laptop')]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'removes the passkey after the person confirms with it (the password alone no longer does), then adds another',
    async () => {
      // As if 15 minutes had passed: the browser drops the access cookie and the page refreshes the session. The new
      // token says the account has a second factor, which a session that began with the password alone lacks.
      await keyPage.context().clearCookies({ name: '__Host-gh-at' });
      await keyPage.getByRole('button', { name: 'Remove Work laptop' }).click();
      const stepUp = keyPage.locator('#step-up');
      await stepUp.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
      expect(await stepUp.getByLabel('Your password').isVisible()).toBe(false);
      expect(await stepUp.getByRole('button', { name: 'Confirm' }).isVisible()).toBe(false);
      expect(await accessibilityProblems(keyPage)).toEqual([]);
      await stepUp.getByRole('button', { name: 'Use a passkey' }).click();
      await keyPage.locator('#status').filter({ hasText: 'Passkey “Work laptop” removed' }).waitFor();
      expect(await stepUp.isHidden()).toBe(true);
      expect(await keyPage.getByText('You have no passkeys yet.').isVisible()).toBe(true);
      const events = await keyPage.locator('#events tbody').innerText();
      expect(events).toContain('Passkey added');
      expect(events).toContain('Passkey removed');

      // The step-up made the session recent again: a new passkey needs no second confirmation.
      await keyPage.getByLabel('Name for a new passkey').fill('Phone');
      await keyPage.getByRole('button', { name: 'Add a passkey' }).click();
      await keyPage.locator('#status').filter({ hasText: 'Passkey “Phone” added' }).waitFor();
      expect(await keyPage.locator('#passkeys tbody tr').allInnerTexts()).toEqual([expect.stringContaining('Phone')]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs in with the passkey and no password, a sign-in recent enough for what needs a second factor',
    async () => {
      await keys.presence(false);
      await keyPage.getByRole('button', { name: 'Sign out', exact: true }).click();
      await keyPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      await keys.presence(true);
      await keyPage.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await keyPage.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await keyPage.locator('#profile').innerText()).toContain(keyholder.username);
      const phone = keyPage.locator('#passkeys tbody tr', { hasText: 'Phone' });
      expect(await phone.locator('td').nth(2).innerText()).not.toBe('Never');
      // Possession and the device's user verification are two factors: setting up TOTP asks for no confirmation.
      await keyPage.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await keyPage.locator('#totp-qr').waitFor();
      expect(await keyPage.locator('#step-up').isHidden()).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "offers the passkey in the username field's autofill, and withdraws the offer when the password is used instead",
    async () => {
      // Ignored once (the page signs out), then picked from the list when the page loads again.
      await keys.presence(false);
      await keyPage.getByRole('button', { name: 'Sign out', exact: true }).click();
      await keyPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      await keys.presence(true);
      await keyPage.reload();
      await keyPage.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await keyPage.locator('#status').innerText()).toBe('Signed in');

      // The password instead: the offer ends, and the second step asks for the passkey alone (the account has no TOTP).
      await keys.presence(false);
      await keyPage.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signIn(keyPage, keyholder);
      await keyPage.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
      expect(await keyPage.locator('#mfa-form').isHidden()).toBe(true);
      expect(await keyPage.locator('#status').innerText()).toBe('Use your passkey to finish signing in.');
      expect(await accessibilityProblems(keyPage)).toEqual([]);
      await keys.presence(true);
      await keyPage.getByRole('button', { name: 'Use a passkey' }).click();
      await keyPage.getByRole('heading', { name: 'Your account' }).waitFor();
      await keyPage.screenshot({ path: join(ARTIFACTS, 'account-passkeys.png'), fullPage: true });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'verifies an email address from the mailed link',
    async () => {
      const fresh = newUser('verify');
      await register(app, fresh);
      const link = await mailedLink(fresh.email, 'verify-email');
      expect(link.origin + link.pathname).toBe(`${origin}/account/verify-email`);
      const page = await open(await newBrowser(), link.pathname + link.search);
      await page.locator('#verify-result').filter({ hasText: 'verified' }).waitFor();
      const again = await open(browsers[browsers.length - 1], link.pathname + link.search);
      await again.locator('#verify-result').filter({ hasText: /./ }).waitFor();
      expect(await again.locator('#verify-result').innerText()).not.toBe('Your email address is verified.');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses /admin to a non-admin with a clear message (and the API refuses them too)',
    async () => {
      const page = await personPage.context().newPage();
      await page.goto(`${origin}/admin`);
      await page.getByRole('heading', { name: 'Admins only' }).waitFor();
      expect(await accessibilityProblems(page)).toEqual([]);
      const refused = await page.evaluate(async () => (await fetch('/api/v1/users')).status);
      expect(refused).toBe(403);
      await page.close();
    },
    TEST_TIMEOUT_MS,
  );

  it('sends an admin without a session through sign-in to the console; disabling a user signs out their open page', async () => {
    const page = await open(await newBrowser(), '/admin');
    await page.waitForURL(/\/account\?return=admin$/);
    await signIn(page, TEST_ADMIN);
    await page.waitForURL(/\/admin$/);
    await page.getByRole('heading', { name: 'Users' }).waitFor();

    await page.getByLabel('Name or email starts with').fill(person.username);
    await page.getByRole('button', { name: 'Find users' }).click();
    await page.getByRole('button', { name: `Open ${person.username}` }).click();
    await page.getByRole('heading', { name: person.username }).waitFor();
    const passkeysCount = () => page.locator('#user-profile dt:text-is("Passkeys") + dd').innerText();
    expect(await passkeysCount()).toBe('1');
    expect(await page.locator('#user-sessions tbody tr').count()).toBeGreaterThan(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'admin.png'), fullPage: true });

    await page.getByRole('button', { name: 'Disable user' }).click();
    await page.locator('#status').filter({ hasText: 'User disabled' }).waitFor();
    expect(await page.locator('#user-sessions tbody tr').count()).toBe(0);
    // The person's open page checks its session every 10 s and asks them to sign in again.
    await personPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor({ timeout: 30_000 });
    expect(await personPage.locator('#status').innerText()).toContain('session has ended');

    await page.getByRole('button', { name: 'Enable user' }).click();
    await page.locator('#status').filter({ hasText: 'User enabled' }).waitFor();
    // Locked out of their authenticator: the admin resets it, and the password alone signs in again.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Reset their two-factor authentication' }).click();
    await page.locator('#status').filter({ hasText: 'two-factor authentication is reset' }).waitFor();
    expect(await passkeysCount()).toBe('0');
    const device = await login(app, person);
    await page.getByRole('button', { name: 'End all their sessions' }).click();
    await page.locator('#status').filter({ hasText: 'Their sessions have ended' }).waitFor();
    expect((await api(app).get('/api/v1/auth/me').set(bearer(device.accessToken))).status).toBe(401);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete user' }).click();
    await page
      .locator('#status')
      .filter({ hasText: `${person.username} deleted` })
      .waitFor();
    // The audit trail shows what just happened, newest first.
    await page.getByLabel('Event type').selectOption('user.deleted');
    await page.getByRole('button', { name: 'Show events' }).click();
    await page.locator('#audit tbody tr', { hasText: 'user.deleted' }).first().waitFor();
    const admin = await login(app, TEST_ADMIN);
    const found = await api(app).get(`/api/v1/users?search=${person.username}`).set(bearer(admin.accessToken));
    expect(found.body.total).toBe(0);
  }, 90_000);
});
