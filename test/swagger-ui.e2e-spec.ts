import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { BrowserContext, Locator, Page } from 'playwright-core';
import { Browser, launchChromium } from './support/chromium';
import { newUser } from './support/http';
import { CHROMIUM, CHROMIUM_PATH, describeIf } from './support/requirements';
import { createTestApp, createTestDatabase } from './support/test-app';

// A person's path through Swagger UI, in Debian's headless Chromium driven by playwright-core: register and log in
// with "Try it out", paste the token into "Authorize", read /auth/me, log out, and see the token refused. The page
// runs under the app's real security headers (CSP), so a CSP that breaks Swagger UI fails here.
// The screenshot goes to test-artifacts/ (git-ignored); UPDATE_DOCS_SCREENSHOT=1 also refreshes docs/swagger-ui.png.

const ARTIFACT = join('test-artifacts', 'swagger-ui.png');
const DOCS_SCREENSHOT = join('docs', 'swagger-ui.png');

describeIf(CHROMIUM)(`Swagger UI at /docs in headless Chromium (${CHROMIUM_PATH})`, () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase('sqlite');
    app = await createTestApp({ DATABASE_URL: database.url });
    await app.listen(0, '127.0.0.1');
    browser = await launchChromium({ width: 1280, height: 900 });
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('registers, logs in, authorizes, reads /auth/me, logs out and is refused', async () => {
    const { port } = app.getHttpServer().address() as AddressInfo;
    const user = newUser('swagger');
    await page.goto(`http://127.0.0.1:${port}/docs`);
    await page.locator('.opblock').first().waitFor();

    try {
      const registered = await execute(page, 'auth', 'auth_register', user);
      expect(registered.status).toBe('201');
      expect(JSON.parse(registered.body)).toMatchObject({ username: user.username, roles: ['user'] });

      const loggedIn = await execute(page, 'auth', 'auth_login', { username: user.username, password: user.password });
      expect(loggedIn.status).toBe('200');
      const { accessToken } = JSON.parse(loggedIn.body) as { accessToken: string };
      expect(accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

      await authorize(page, accessToken);
      if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await docsScreenshot(context, page.url());

      const me = await execute(page, 'auth', 'auth_me');
      expect(me.status).toBe('200');
      expect(JSON.parse(me.body)).toMatchObject({ username: user.username });

      const loggedOut = await execute(page, 'auth', 'auth_logout');
      expect(loggedOut.status).toBe('204');

      const refused = await execute(page, 'auth', 'auth_me', undefined, '401');
      expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 401, code: 'TOKEN_REVOKED' });
    } finally {
      await screenshot(page, ARTIFACT);
    }

    // The only console errors allowed are the browser's notes on the 4xx answers this test asks for.
    const csp = [...consoleErrors, ...pageErrors].filter((text) => /content security policy|csp/i.test(text));
    expect(csp).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((text) => !/status of 4\d\d/.test(text))).toEqual([]);
  }, 90_000);
});

/** Opens an operation, presses "Try it out", fills the JSON body, presses "Execute", waits for the answer. */
async function execute(
  page: Page,
  tag: string,
  operationId: string,
  body?: object,
  expectedStatus?: string,
): Promise<{ status: string; body: string }> {
  const operation = page.locator(`#operations-${tag}-${operationId}`);
  if (!(await operation.locator('.opblock-body').isVisible())) await operation.locator('.opblock-summary').first().click();
  const tryItOut = operation.locator('button.try-out__btn', { hasText: 'Try it out' });
  if (await tryItOut.isVisible()) await tryItOut.click();
  if (body) await operation.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2));
  const clear = operation.locator('button.btn-clear');
  if (await clear.isVisible()) await clear.click();
  await operation.locator('button.execute').click();
  const answer = operation.locator('.live-responses-table .response').first();
  const status = answer.locator('.response-col_status');
  if (expectedStatus) await expectText(status, expectedStatus);
  await status.waitFor();
  const bodyBlock = answer.locator('.response-col_description pre');
  const hasBody = (await bodyBlock.count()) > 0;
  return { status: (await status.innerText()).trim(), body: hasBody ? await bodyBlock.first().innerText() : '' };
}

/** "Authorize": paste the token into the bearer scheme, then close the dialog. */
async function authorize(page: Page, accessToken: string): Promise<void> {
  await page.locator('.scheme-container button.authorize').click();
  const dialog = page.locator('.modal-ux');
  await dialog.locator('input[type="text"], input[type="password"]').first().fill(accessToken);
  await dialog.locator('button.authorize').click();
  await dialog.locator('button.btn-done, button.close-modal').first().click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.scheme-container button.authorize.locked').waitFor();
}

/** For the README: a fresh tab (the token persists) with every operation listed down to the last tag, padlocks closed. */
async function docsScreenshot(context: BrowserContext, url: string): Promise<void> {
  const tab = await context.newPage();
  try {
    await tab.goto(url.replace(/#.*$/, ''));
    await tab.locator('.scheme-container button.authorize.locked').waitFor();
    const last = await tab.locator('#operations-keys-keys_jwks').boundingBox();
    mkdirSync(dirname(DOCS_SCREENSHOT), { recursive: true });
    const height = Math.ceil((last?.y ?? 900) + (last?.height ?? 0) + 24);
    await tab.screenshot({ path: DOCS_SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
  } finally {
    await tab.close();
  }
}

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).waitFor();
}

async function screenshot(page: Page, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
}
