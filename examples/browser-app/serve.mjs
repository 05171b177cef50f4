#!/usr/bin/env node
// Serves the example on http://localhost:5173 for the API at http://localhost:3000, with a strict CSP (no inline
// script, no third-party asset, fetches only to the API). PORT, HOST and API_URL change those. Nothing to install
// beyond Gatehouse's own dependencies: @simplewebauthn/browser's bundle comes from its node_modules, from this origin.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.env.PORT ?? 5173);
const host = process.env.HOST ?? 'localhost';
const apiUrl = process.env.API_URL ?? 'http://localhost:3000';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
// The package exports only its entry points; its browser bundle (it sets globalThis.SimpleWebAuthnBrowser) sits beside them.
const webAuthnEntry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
const webAuthnBundle = join(dirname(webAuthnEntry), '..', 'dist', 'bundle', 'index.umd.min.js');
const FILES = {
  '/': [here('index.html'), 'text/html; charset=utf-8'],
  '/index.html': [here('index.html'), 'text/html; charset=utf-8'],
  '/app.js': [here('app.js'), 'text/javascript; charset=utf-8'],
  '/gatehouse.js': [here('gatehouse.js'), 'text/javascript; charset=utf-8'],
  '/style.css': [here('style.css'), 'text/css; charset=utf-8'],
  '/simplewebauthn-browser.js': [webAuthnBundle, 'text/javascript; charset=utf-8'],
};
const HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src ${new URL(apiUrl).origin}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  if (path === '/config.js') {
    response.writeHead(200, { ...HEADERS, 'content-type': 'text/javascript; charset=utf-8' });
    return response.end(`export const apiUrl = ${JSON.stringify(apiUrl)};\n`);
  }
  const file = FILES[path];
  if (!file || request.method !== 'GET') {
    response.writeHead(404, { ...HEADERS, 'content-type': 'text/plain' });
    return response.end('Not found\n');
  }
  response.writeHead(200, { ...HEADERS, 'content-type': file[1] });
  response.end(await readFile(file[0]));
});

server.listen(port, host, () => console.log(`Browser app on http://localhost:${port}/ (API: ${apiUrl})`));
