import { NestFastifyApplication } from '@nestjs/platform-fastify';
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Page } from 'playwright-core';
import { Browser, launchChromium } from './support/chromium';
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

  async function open(browser: Browser, path: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${path}: ${error.message}`));
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
      for (const script of ['gatehouse.js', 'ui.js', 'account.js', 'admin.js']) {
        const response = await api(app).get(`/web/${script}`);
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toMatch(/^text\/javascript/);
        gzipped += gzipSync(response.text).length;
      }
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
