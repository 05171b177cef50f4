import { FastifyInstance } from 'fastify';

/** API.md "Browser sessions": what a listed origin may send with credentials. */
const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE';
const ALLOWED_HEADERS = 'Content-Type, Authorization, X-CSRF-Token, X-Token-Transport';
/** Seconds a browser may reuse a preflight answer (Chromium caps it at 7200). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS with credentials for an explicit list of origins. The answer names the configured origin, never `*` and never
 * whatever the request sent; any other origin gets no CORS header at all, on a preflight or otherwise (@fastify/cors
 * still sends `Access-Control-Allow-Credentials` and the preflight lists to origins it refuses). Nothing is
 * registered without a list, so the hot path pays for it only where CORS is configured.
 */
export function registerCors(fastify: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Map(origins.map((origin) => [origin, origin]));
  const preflightHeaders = {
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    'content-length': '0',
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    // Answers differ by Origin, so shared caches must key on it (Fetch standard, "CORS protocol and HTTP caches").
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    const granted = origin === undefined ? undefined : allowed.get(origin);
    if (granted === undefined) return done();
    void reply.header('access-control-allow-origin', granted).header('access-control-allow-credentials', 'true');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      void reply.code(204).headers(preflightHeaders).send();
      return;
    }
    done();
  });
}
