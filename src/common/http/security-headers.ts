import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { HelmetOptions } from 'helmet';

/**
 * helmet's headers, computed once: they are the same for every response, and running helmet's middleware per request
 * (as @fastify/helmet does) costs a guarded request several per cent of its time for the same result.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let done = false;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => (done = true));
  if (!done) throw new Error('helmet did not complete synchronously');
  return headers;
}

/**
 * The headers of every response that is not a rendered page (JSON, metrics, health): what the OWASP REST Security
 * Cheat Sheet lists for API responses (a CSP that lets nothing load or frame the response, `X-Frame-Options: DENY`,
 * HSTS, `nosniff`; `Content-Type` comes with each body), plus `Cross-Origin-Resource-Policy: same-origin` so another
 * site cannot embed a response as an image or a script, and `Cache-Control: no-store` because nearly every answer
 * is authenticated or holds tokens (the JWKS route sets its own caching). helmet's other headers
 * (`X-DNS-Prefetch-Control`, `X-Download-Options`, `X-Permitted-Cross-Domain-Policies`, `X-XSS-Protection`,
 * `Origin-Agent-Cluster`, `Referrer-Policy`, the `Cross-Origin-Opener/Embedder-Policy` pair) only mean something to a
 * rendered HTML page; the pages keep them. Fixed strings, so one `reply.headers()` call writes them all.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
});
