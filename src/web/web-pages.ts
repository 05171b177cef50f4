import type { FastifyInstance } from 'fastify';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { securityHeaders } from '../common/http/security-headers';

/** Where the pages live; everything under these paths is a rendered page and gets the page headers. */
export const PAGE_URL_PREFIXES = ['/account', '/admin', '/web/'];

/**
 * The pages' CSP: scripts, styles and requests from this origin only (no inline script, no other host), images also
 * as data URLs (the TOTP QR code), nothing may frame a page, and forms post only here.
 */
const PAGE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  upgradeInsecureRequests: null,
};

/** helmet's full set for rendered pages, with their CSP. */
export const PAGE_HEADERS = securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP } });

/** Page paths and the HTML file each one serves; the script of a page picks its view from the path. */
const PAGES: Record<string, string> = {
  '/account': 'account.html',
  '/account/reset-password': 'account.html',
  '/account/verify-email': 'account.html',
  '/admin': 'admin.html',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * @simplewebauthn/browser's UMD bundle (it sets `globalThis.SimpleWebAuthnBrowser`), served from here as
 * /web/simplewebauthn-browser.js so the passkey ceremonies need no other host. The package exports only its entry
 * points, so the bundle is found beside the resolved one, from src/ in the tests as from dist/ in the app.
 */
function webAuthnBundle(): Buffer {
  const entry = createRequire(join(__dirname, 'web-pages.js')).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'));
}

/**
 * Serves /account and /admin (API.md "Web pages"): static files read once at start, which call the public API in cookie
 * mode like any other browser app; no data is ever put into HTML on the server. `no-cache` makes a browser ask again
 * after an upgrade rather than run an old script against a new API.
 */
export function registerWebPages(fastify: FastifyInstance, folder = join(__dirname, 'assets')): void {
  const files = new Map<string, Buffer>(
    readdirSync(folder)
      .filter((name) => CONTENT_TYPES[extname(name)])
      .map((name) => [name, readFileSync(join(folder, name))] as const),
  );
  files.set('simplewebauthn-browser.js', webAuthnBundle());
  const send = (name: string) => ({ type: CONTENT_TYPES[extname(name)], body: files.get(name)! });
  for (const [path, file] of Object.entries(PAGES)) {
    const { type, body } = send(file);
    fastify.get(path, (_request, reply) => reply.header('cache-control', 'no-cache').type(type).send(body));
  }
  const assets = [...files.keys()].filter((name) => extname(name) !== '.html');
  for (const name of assets) {
    const { type, body } = send(name);
    fastify.get(`/web/${name}`, (_request, reply) => reply.header('cache-control', 'no-cache').type(type).send(body));
  }
}
