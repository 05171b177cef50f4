import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { ADMIN_ENV, newUser, TEST_ADMIN } from './support/http';
import { freePort } from './support/instance';
import { rawExchange } from './support/raw-http';
import { describeIf, POSTGRES } from './support/requirements';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, createTestDatabase } from './support/test-app';

// The OpenAPI document says that every failure an operation can answer is listed. This derives that from the running
// app instead of trusting it: every operation of /docs-json is driven with the failures that apply to it (no token,
// a bad one, a user's and an admin's, no body, an empty one, a malformed, oversized, mistyped or non-UTF-8 one, a bad
// escape or an over-long path parameter, huge headers, a slow client, and on PostgreSQL the database gone), and each
// status and code it answers must be among its documented responses.

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: { code: string } }> }> }>;
}
interface Target {
  method: string;
  template: string;
  op: Operation;
}
interface Answer {
  status: number;
  code?: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const BODY_METHODS = new Set(['put', 'post', 'delete', 'patch']);

function documentedCodes(op: Operation, status: number): string[] {
  return Object.values(op.responses[String(status)]?.content?.['application/json']?.examples ?? {}).map((e) => e.value.code);
}

/** The answers that the document does not list for their operation, as readable lines (2xx and 3xx need no listing). */
function undocumented(results: { target: Target; probe: string; answer: Answer }[]): string[] {
  const lines = results
    .filter(({ answer }) => answer.status >= 400)
    .filter(({ target, answer }) => !documentedCodes(target.op, answer.status).includes(answer.code ?? '(no code)'))
    .map(({ target, probe, answer }) => `${target.op.operationId} ${probe}: ${answer.status} ${answer.code ?? '(no code)'}`);
  return [...new Set(lines)].sort();
}

async function startApp(databaseUrl: string): Promise<{ app: NestFastifyApplication; base: string; port: number; targets: Target[] }> {
  // An identity provider that never answers: its routes are driven too (start and link answer PROVIDER_UNAVAILABLE).
  const provider = {
    OIDC_PROVIDERS: 'corp',
    OIDC_CORP_ISSUER: `http://127.0.0.1:${await freePort()}`,
    OIDC_CORP_CLIENT_ID: 'gatehouse',
    OIDC_CORP_CLIENT_SECRET: 'not-a-real-secret',
  };
  const app = await createTestApp({ DATABASE_URL: databaseUrl, HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '1', ...ADMIN_ENV, ...provider });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const doc = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  const targets = Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, template, op })),
  );
  return { app, base, port, targets };
}

/** Calls one operation; `{id}`-style parameters get `parameter` (a fresh UUID, or the configured provider, unless told otherwise). */
async function call(
  base: string,
  target: Target,
  options: {
    token?: string;
    body?: string | Buffer;
    contentType?: string;
    parameter?: string;
    query?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const path = target.template.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => options.parameter ?? (name === 'provider' ? 'corp' : randomUUID()),
  );
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${base}${path}${options.query ?? ''}`, {
    method: target.method.toUpperCase(),
    headers,
    body: options.body,
    // A redirect is an answer of its own (the identity-provider routes end in one), not something to follow.
    redirect: 'manual',
  });
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: response.status, code };
}

async function loginAs(base: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

describe('every answer of every operation is in the OpenAPI document (SQLite)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let port: number;
  let targets: Target[];
  const results: { target: Target; probe: string; answer: Answer }[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase('sqlite');
    ({ app, base, port, targets } = await startApp(database.url));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('drives every operation with ordinary callers and hostile requests', async () => {
    const user = newUser('doc');
    await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const notUtf8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);

    // One operation at a time, each with tokens of its own: a logout-all of one cannot revoke another's.
    for (const target of targets) {
      const userToken = await loginAs(base, user.username, user.password);
      const adminToken = await loginAs(base, TEST_ADMIN.username, TEST_ADMIN.password);
      const probes: [string, Parameters<typeof call>[2]][] = [
        ['anonymous', {}],
        ['a forged token', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.forged' }],
        ['a user', { token: userToken, body: BODY_METHODS.has(target.method) ? '{}' : undefined }],
        ['an admin', { token: adminToken, body: BODY_METHODS.has(target.method) ? '{}' : undefined }],
        ['an unknown query field', { token: adminToken, query: '?unknown=1' }],
        ['20 kB of headers', { headers: { 'x-big': 'a'.repeat(20_000) } }],
      ];
      if (target.template.includes('{')) {
        probes.push(['a bad escape in the path', { token: adminToken, parameter: '%ff' }]);
        probes.push(['a 101-character path parameter', { token: adminToken, parameter: 'a'.repeat(101) }]);
        probes.push(['a path parameter that is no UUID', { token: adminToken, parameter: 'not-a-uuid' }]);
      }
      if (BODY_METHODS.has(target.method)) {
        probes.push(['malformed JSON', { token: adminToken, body: '{"a":' }]);
        probes.push(['a 101 kB body', { token: adminToken, body: JSON.stringify({ a: 'a'.repeat(101 * 1024) }) }]);
        probes.push(['an XML body', { token: adminToken, body: '<a/>', contentType: 'application/xml' }]);
        probes.push(['a body that is not UTF-8', { token: adminToken, body: notUtf8 }]);
        probes.push(['a lone surrogate', { token: adminToken, body: '{"a":"\\ud800"}' }]);
        probes.push([
          'wrong types',
          { token: adminToken, body: '{"username":1,"password":[],"email":{},"roles":"x","refreshToken":true}' },
        ]);
        probes.push(['a JSON array', { token: adminToken, body: '[]' }]);
      }
      for (const [probe, options] of probes) results.push({ target, probe, answer: await call(base, target, options) });
    }

    // Slow clients, all at once: headers that never end, and for body routes a body that never ends.
    const slow = await Promise.all(
      targets.flatMap((target) => {
        const path = target.template.replace(/\{[^}]+\}/g, () => randomUUID());
        const start = `${target.method.toUpperCase()} ${path} HTTP/1.1\r\nHost: x\r\n`;
        const exchanges = [
          rawExchange(port, start, { trickle: 'X-Slow: 1\r\n' }).then((answer) => ({ target, probe: 'slow headers', answer })),
        ];
        if (BODY_METHODS.has(target.method)) {
          const body = `${start}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{`;
          exchanges.push(rawExchange(port, body, { trickle: ' ' }).then((answer) => ({ target, probe: 'a slow body', answer })));
        }
        return exchanges;
      }),
    );
    for (const { target, probe, answer } of slow) {
      results.push({ target, probe, answer: { status: answer.status, code: (JSON.parse(answer.body || '{}') as { code?: string }).code } });
    }

    if (process.env.SHOW_RESULTS)
      console.log([...new Set(results.map(({ probe, answer }) => `${probe}: ${answer.status} ${answer.code}`))].sort().join('\n'));
    expect(targets.length).toBeGreaterThan(15);
    expect(undocumented(results)).toEqual([]);
  }, 120_000);

  it('saw each kind of failure it looks for, so the check above cannot pass by seeing none', () => {
    const seen = new Set(results.map(({ answer }) => `${answer.status} ${answer.code}`));
    for (const expected of [
      '400 BAD_REQUEST',
      '400 MALFORMED_JSON',
      '400 VALIDATION_FAILED',
      '401 TOKEN_MISSING',
      '401 TOKEN_INVALID',
      '403 FORBIDDEN',
      '404 USER_NOT_FOUND',
      '408 REQUEST_TIMEOUT',
      '413 PAYLOAD_TOO_LARGE',
      '414 URI_TOO_LONG',
      '415 UNSUPPORTED_MEDIA_TYPE',
      '431 HEADERS_TOO_LARGE',
    ]) {
      expect([expected, seen.has(expected)]).toEqual([expected, true]);
    }
    expect(seen.has('503 PROVIDER_UNAVAILABLE')).toBe(true);
    // The one server-side failure by design: the configured provider never answers.
    expect(results.filter(({ answer }) => answer.status >= 500 && answer.code !== 'PROVIDER_UNAVAILABLE')).toEqual([]);
  });
});

describeIf(POSTGRES)('every answer during a database outage is in the OpenAPI document (PostgreSQL)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let targets: Target[];
  let proxy: TcpProxy;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase('postgres');
    drop = database.drop;
    const url = new URL(database.url);
    proxy = await new TcpProxy(Number(url.port || 5432), url.hostname).start();
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    ({ app, base, targets } = await startApp(url.toString()));
  });

  afterAll(async () => {
    await proxy?.restore().catch(() => undefined);
    await app?.close();
    await proxy?.cut();
    await drop?.();
  });

  it('answers 503 DATABASE_UNAVAILABLE only where the document says so', async () => {
    const user = newUser('outage');
    await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const tokens = await Promise.all(
      targets.map(async () => ({
        user: await loginAs(base, user.username, user.password),
        admin: await loginAs(base, TEST_ADMIN.username, TEST_ADMIN.password),
      })),
    );

    await proxy.cut();
    const results = await Promise.all(
      targets.flatMap((target, i) => {
        const body = BODY_METHODS.has(target.method)
          ? JSON.stringify({ ...user, refreshToken: 'x'.repeat(43), email: user.email })
          : undefined;
        return [
          call(base, target, { token: tokens[i].user, body }).then((answer) => ({ target, probe: 'a user, database down', answer })),
          call(base, target, { token: tokens[i].admin, body }).then((answer) => ({ target, probe: 'an admin, database down', answer })),
        ];
      }),
    );

    expect(results.some(({ answer }) => answer.status === 503 && answer.code === 'DATABASE_UNAVAILABLE')).toBe(true);
    expect(undocumented(results)).toEqual([]);
  }, 120_000);
});
