import Fastify, { FastifyInstance } from 'fastify';
import { registerJsonBodyParser } from './json-body.parser';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('registerJsonBodyParser', () => {
  let app: FastifyInstance;
  let url: string;

  // A real listener and fetch rather than app.inject(): the parser is checked on the bytes a client really sends.
  beforeAll(async () => {
    app = Fastify();
    registerJsonBodyParser(app);
    app.post('/echo', (request, reply) => reply.send({ body: request.body ?? null }));
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/echo`;
  });

  afterAll(async () => {
    await app.close();
  });

  async function post(payload: string): Promise<{ statusCode: number; json: () => unknown }> {
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
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });

  it('leaves Object.prototype untouched by a __proto__ body', async () => {
    await post('{"__proto__":{"polluted":true}}');

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
