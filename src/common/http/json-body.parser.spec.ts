import Fastify, { FastifyInstance } from 'fastify';
import { AppException } from '../errors';
import { registerJsonBodyParser } from './json-body.parser';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('registerJsonBodyParser', () => {
  let app: FastifyInstance;
  let url: string;

  // A real listener and fetch rather than app.inject(): the parser is checked on the bytes a client really sends.
  beforeAll(async () => {
    app = Fastify();
    registerJsonBodyParser(app);
    // The app's exception filter in small: the parser's refusals carry their code and status.
    app.setErrorHandler((error, _request, reply) =>
      error instanceof AppException
        ? reply.code(error.status).send({ statusCode: error.status, code: error.code, message: error.details })
        : reply.code(500).send({ statusCode: 500 }),
    );
    app.post('/echo', (request, reply) => reply.send({ body: request.body ?? null }));
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/echo`;
  });

  afterAll(async () => {
    await app.close();
  });

  async function post(payload: string | Buffer): Promise<{ statusCode: number; json: () => unknown }> {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    const body: unknown = await response.json();
    return { statusCode: response.status, json: () => body };
  }

  it('parses ordinary JSON', async () => {
    const response = await post('{"username":"alice","roles":["user"],"n":1,"nested":{"ok":true}}');

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body: { username: 'alice', roles: ['user'], n: 1, nested: { ok: true } } });
  });

  it('reads an empty body as no body', async () => {
    const response = await post('');

    expect([response.statusCode, response.json()]).toEqual([200, { body: null }]);
  });

  it('accepts 32 levels of nesting', async () => {
    expect((await post(nested(32))).statusCode).toBe(200);
  });

  it.each([
    ['33 levels of nesting', nested(33)],
    ['3000 levels of nesting', nested(3000)],
    ['a deeply nested object', '{"a":'.repeat(100) + '1' + '}'.repeat(100)],
    ['a __proto__ key', '{"__proto__":{"isAdmin":true}}'],
    ['a nested constructor key', '{"user":{"constructor":{"prototype":{"isAdmin":true}}}}'],
    ['invalid JSON', '{"username":'],
  ])('refuses %s with 400', async (_, payload) => {
    const response = await post(payload);

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
  });

  // Decoding would turn each of these into U+FFFD, so that different passwords became the same string.
  it.each([
    ['FF FE FD', Buffer.from([0xff, 0xfe, 0xfd])],
    ['C0 C1 F5', Buffer.from([0xc0, 0xc1, 0xf5])],
    ['an overlong "/" (C0 AF)', Buffer.from([0xc0, 0xaf])],
    ['an encoded surrogate (ED A0 80)', Buffer.from([0xed, 0xa0, 0x80])],
    ['a truncated sequence (E2 82)', Buffer.from([0xe2, 0x82])],
  ])('refuses a string holding the bytes %s with 400 MALFORMED_JSON', async (_, bytes) => {
    const payload = Buffer.concat([Buffer.from('{"password":"pw '), bytes, Buffer.from('"}')]);

    const response = await post(payload);

    expect([response.statusCode, response.json()]).toEqual([
      400,
      { statusCode: 400, code: 'MALFORMED_JSON', message: 'The request body is not valid UTF-8' },
    ]);
  });

  it.each([
    ['a lone high surrogate', '{"email":"\\ud800@example.com"}', 'email'],
    ['a lone low surrogate', '{"password":"\\udfff"}', 'password'],
    ['a reversed pair', '{"password":"\\udc00\\ud800"}', 'password'],
    ['a nested string', '{"profile":{"names":["ok","\\ud800"]}}', 'profile.names.1'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_, payload, field) => {
    const response = await post(payload);

    expect([response.statusCode, response.json()]).toEqual([
      400,
      { statusCode: 400, code: 'VALIDATION_FAILED', message: [`${field} must be well-formed Unicode text (no lone surrogate)`] },
    ]);
  });

  it('keeps well-formed text outside the Basic Multilingual Plane (a surrogate pair)', async () => {
    const response = await post('{"password":"\\ud83d\\udd11 key 🔑 ключ"}');

    expect(response.json()).toEqual({ body: { password: '🔑 key 🔑 ключ' } });
  });

  it('leaves Object.prototype untouched by a __proto__ body', async () => {
    await post('{"__proto__":{"polluted":true}}');

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
