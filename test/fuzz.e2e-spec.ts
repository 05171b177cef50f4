import { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { ADMIN_ENV, api, TEST_ADMIN } from './support/http';
import { createTestApp, createTestDatabase } from './support/test-app';

// Property: whatever JSON (or almost-JSON) a client posts to the public auth routes, the answer is never a 5xx,
// and every 4xx is the API.md error body with a string `code`. fast-check prints the seed and the smallest failing
// body when it finds one; rerun with `fc.assert(..., { seed, path })` to replay it.

const RUNS_PER_ROUTE = 150;

/** Any value, made JSON-safe (what JSON.stringify would send: no undefined, functions, NaN or cycles). */
const jsonSafe = fc.anything().map((value) => {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
});

/** Strings that break naive code: long, multi-byte, NUL, bidi overrides, blank. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc
    .tuple(fc.constantFrom('a', 'é', '🔑', '\u0000', '\u202e', ' ', 'Ａ', '%s', '${x}'), fc.integer({ min: 1, max: 12_000 }))
    .map(([unit, count]) => unit.repeat(count)),
);

const fieldValue = fc.oneof(
  nastyString,
  fc.jsonValue({ maxDepth: 3 }),
  jsonSafe,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const KEYS = ['username', 'email', 'password', 'refreshToken', 'roles', '__proto__', 'constructor', 'prototype'];

/** An object written by hand, so `__proto__`, `constructor` and duplicate keys really reach the parser. */
const rawObject = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string()), fieldValue), { maxLength: 6 })
  .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`);

/** The three credential fields with random types, some left out. */
const credentials = fc
  .record({ username: fieldValue, email: fieldValue, password: fieldValue, refreshToken: fieldValue }, { requiredKeys: [] })
  .map((body) => JSON.stringify(body));

/** Right keys, string values (often valid ones): these get past validation to the lookups, bcrypt and the database. */
const username = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.-]{3,32}$/),
  fc.constantFrom('fuzz_taken', 'FUZZ_TAKEN', 'ｆｕｚｚ_taken'),
  fc.string({ minLength: 1 }),
);
const password = fc.oneof(fc.string({ minLength: 12, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }));
const WELL_TYPED: Record<string, fc.Arbitrary<string>> = {
  register: fc
    .record({ username, email: fc.oneof(fc.emailAddress(), fc.constant('fuzz_taken@example.com')), password })
    .map((value) => JSON.stringify(value)),
  login: fc.record({ username: fc.oneof(username, fc.emailAddress()), password }).map((value) => JSON.stringify(value)),
  refresh: fc
    .record({ refreshToken: fc.oneof(fc.base64String({ maxLength: 100 }), fc.string({ maxLength: 8192 })) })
    .map((value) => JSON.stringify(value)),
};

/** Valid JSON cut short: malformed. */
const truncated = fc
  .jsonValue()
  .map((value) => JSON.stringify(value))
  .chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut) || '{'));

const anyBody = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.object().map((value) => JSON.stringify(value) ?? 'null'),
  jsonSafe.map((value) => JSON.stringify(value)),
  rawObject,
  credentials,
  truncated,
);

/** Hostile bodies of every kind, and as many of the route's own shape, so the deeper code is reached as often. */
const bodyFor = (route: string) => fc.oneof(anyBody, WELL_TYPED[route]);

/** Header text Node will send: tab, printable ASCII and Latin-1, often near the cookie and CSRF syntax. */
const headerText = fc.oneof(
  fc.string({
    unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c)),
  }),
  fc
    .array(fc.constantFrom(';', '=', ' ', '"', ',', '__Host-gh-at', '__Secure-gh-rt', 'eyJ', '.', 'x'), { maxLength: 400 })
    .map((parts) => parts.join('')),
  fc.tuple(fc.constantFrom(';', '=', 'a=b; ', '\u00e9'), fc.integer({ min: 1, max: 9000 })).map(([unit, count]) => unit.repeat(count)),
);

/** The browser-session headers, each random or missing. */
const browserHeaders = fc.record(
  {
    cookie: headerText,
    'x-csrf-token': headerText,
    origin: fc.oneof(headerText, fc.constantFrom('null', 'http://localhost:3000', 'https://evil.example')),
    'sec-fetch-site': fc.oneof(headerText, fc.constantFrom('cross-site', 'same-site', 'same-origin', 'none')),
    'x-token-transport': fc.oneof(headerText, fc.constant('cookie')),
  },
  { requiredKeys: [] },
);

describe('fuzzing the auth routes (SQLite)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const db = await createTestDatabase('sqlite');
    app = await createTestApp({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(['register', 'login', 'refresh'])(
    'POST /api/v1/auth/%s never answers 5xx, and every 4xx has the error shape',
    async (route) => {
      const path = `/api/v1/auth/${route}`;
      await fc.assert(
        fc.asyncProperty(bodyFor(route), async (raw) => {
          const response = await api(app).post(path).set('content-type', 'application/json').send(raw);
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers['content-type']).toMatch(/^application\/json/);
            expect(response.body).toEqual(
              expect.objectContaining({ statusCode: response.status, code: expect.stringMatching(/^[A-Z_]+$/), error: expect.any(String) }),
            );
          }
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    },
    30_000,
  );

  it.each([
    ['GET', '/api/v1/auth/me'],
    ['POST', '/api/v1/auth/logout'],
    ['POST', '/api/v1/auth/refresh'],
    ['GET', '/api/v1/auth/csrf'],
  ])(
    '%s %s never answers 5xx to any Cookie, X-CSRF-Token, Origin or Sec-Fetch-Site, and every refusal has the error shape',
    async (method, path) => {
      await fc.assert(
        fc.asyncProperty(browserHeaders, async (headers) => {
          const response = await (method === 'GET' ? api(app).get(path) : api(app).post(path)).set(headers);
          expect(response.status).toBeLessThan(500);
          expect(response.status).toBeGreaterThanOrEqual(400);
          if (response.status !== 431) {
            expect(response.body).toEqual(
              expect.objectContaining({ statusCode: response.status, code: expect.stringMatching(/^[A-Z_]+$/), error: expect.any(String) }),
            );
          }
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    },
    30_000,
  );
});

// scripts/fuzz.mjs is the hostile-input run of the README (6 000 requests there); a shorter run here keeps it working
// and keeps every operation free of 5xx answers and of answers without a code.
describe('fuzzing every operation at the byte level (scripts/fuzz.mjs, SQLite)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const db = await createTestDatabase('sqlite');
    app = await createTestApp({ DATABASE_URL: db.url, ...ADMIN_ENV });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 1 500 hostile requests with no 5xx, and every error with a code and a request id', async () => {
    const { port } = app.getHttpServer().address() as AddressInfo;
    const args = ['--url', `http://127.0.0.1:${port}`, '--requests', '1500', '--admin', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`];

    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/fuzz.mjs', ...args], { encoding: 'utf8' });

    expect(stdout).toContain('requests: 1500');
    expect(stdout).toContain('answers with a 5xx, no answer, no code or no request id: 0');
    expect(stdout).toMatch(/status counts: .*400: \d+.*401: \d+/);
  }, 60_000);
});
