import { FastifyInstance, FastifyRequest } from 'fastify';

const MAX_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

class BadJsonError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_CTP_INVALID_JSON_BODY';
}

/**
 * Replaces Fastify's JSON parser with one that also refuses deep nesting (a 6 kB body nested 3000 levels deep
 * overflows class-validator's stack: a 500) and prototype keys, so hostile bodies end as a 400 before any pipe runs.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request: FastifyRequest, body: string | Buffer, done) => {
    try {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      const value: unknown = JSON.parse(text);
      assertSafe(value);
      done(null, value);
    } catch (error) {
      done(error instanceof BadJsonError ? error : new BadJsonError('The request body is not valid JSON'), undefined);
    }
  });
}

/** Walks the parsed value without recursion, so the check itself cannot overflow. */
function assertSafe(root: unknown): void {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH) throw new BadJsonError(`The request body is nested deeper than ${MAX_DEPTH} levels`);
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new BadJsonError(`The request body may not contain the key "${key}"`);
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
}
