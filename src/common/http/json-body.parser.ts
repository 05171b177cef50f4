import { isUtf8 } from 'node:buffer';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { AppException, ErrorCode } from '../errors';

const MAX_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const malformed = (message: string) => new AppException(ErrorCode.MALFORMED_JSON, message);

/**
 * Replaces Fastify's JSON parser with a stricter one, so that hostile bodies end as a 400 before any guard or pipe:
 * - bytes that are not UTF-8 are refused rather than decoded to U+FFFD (two different passwords would become the
 *   same string, and so the same hash);
 * - a string with a lone UTF-16 surrogate (`"\ud800"`, valid JSON) is refused too: bcrypt would hash it as U+FFFD as
 *   well, and validator's `isEmail` throws on it (a 500). Only a JSON escape can make one: query strings and path
 *   parameters are decoded from UTF-8, which cannot encode a lone surrogate;
 * - nesting deeper than 32 levels (3000 levels overflow class-validator's stack) and prototype keys.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request: FastifyRequest, body: string | Buffer, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? Buffer.from(body) : body));
    } catch (error) {
      done(error instanceof AppException ? error : malformed('The request body is not valid JSON'), undefined);
    }
  });
}

export function parseJsonBody(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw malformed('The request body is not valid UTF-8');
  const text = bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  const value: unknown = JSON.parse(text);
  assertSafe(value);
  return value;
}

/** Walks the parsed value without recursion, so the check itself cannot overflow. */
function assertSafe(root: unknown): void {
  const stack: Array<[value: unknown, depth: number, path: string]> = [[root, 1, '']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (!value.isWellFormed()) throw AppException.validation([`${path || 'body'} must be well-formed Unicode text (no lone surrogate)`]);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH) throw malformed(`The request body is nested deeper than ${MAX_DEPTH} levels`);
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw malformed(`The request body may not contain the key "${key}"`);
      if (!key.isWellFormed()) throw AppException.validation(['body keys must be well-formed Unicode text (no lone surrogate)']);
      stack.push([(value as Record<string, unknown>)[key], depth + 1, path ? `${path}.${key}` : key]);
    }
  }
}
