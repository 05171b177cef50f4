// The practical limit: plain node:http doing the same work as Gatehouse's routes and nothing else.
//   GET  /me     the Bearer check (bearer-check.mjs: fast-jwt, typ, and the revoked-session set)
//   GET  /me/with-headers  the same, answering with the response headers Gatehouse sends (RESPONSE_HEADERS, as JSON)
//                and a request id: what the headers alone cost at the limit (for the README, not the target)
//   POST /login  bcrypt.compare at the same cost, in libuv's pool
// START_UP=service (with node --expose-gc) first does what a service's start-up does to V8 before it serves: a few
// hundred ticks, then full collections. The collections drop the hidden classes V8 remembered for Node's tick objects,
// and from then on every process.nextTick of node:http (nine a request) goes through a slow path. For the README.
import bcrypt from 'bcrypt';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { setImmediate } from 'node:timers/promises';
import { bearerCheck } from './bearer-check.mjs';

const { PORT, JWT_SECRET, BCRYPT_COST, PASSWORD, RESPONSE_HEADERS } = process.env;
const extraHeaders = Object.entries(JSON.parse(RESPONSE_HEADERS ?? '{}')).flat();
const check = bearerCheck(JWT_SECRET);
const hash = await bcrypt.hash(PASSWORD, Number(BCRYPT_COST));
if (process.env.START_UP === 'service') {
  for (let i = 0; i < 200; i++) await new Promise((resolve) => process.nextTick(resolve));
  await setImmediate();
  for (let i = 0; i < 4; i++) globalThis.gc();
}

function send(res, status, body, withHeaders = false) {
  const text = JSON.stringify(body);
  const headers = ['content-type', 'application/json', 'content-length', Buffer.byteLength(text)];
  res.writeHead(status, withHeaders ? [...extraHeaders, 'x-request-id', randomUUID(), ...headers] : headers);
  res.end(text);
}

createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/me' || req.url === '/me/with-headers')) {
    const withHeaders = req.url !== '/me';
    try {
      return send(res, 200, check(req.headers.authorization), withHeaders);
    } catch {
      return send(res, 401, { code: 'TOKEN_INVALID' }, withHeaders);
    }
  }
  if (req.method === 'POST' && req.url === '/login') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { password } = JSON.parse(body);
      bcrypt.compare(password, hash).then((ok) => send(res, ok ? 200 : 401, { ok }));
    });
    return;
  }
  send(res, 404, {});
}).listen(Number(PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
