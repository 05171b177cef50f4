// A hostile-input run against a running Gatehouse: every operation of its OpenAPI document, called with the bytes
// outside tools send (invalid UTF-8, lone surrogates, overlong and broken escapes, huge and repeated headers, deep and
// wide JSON, wrong types, forged tokens). It prints the status counts and fails on any 5xx or any error answer
// without the API.md body and a `code`.
//
//   node scripts/fuzz.mjs [--url http://127.0.0.1:3000] [--requests 6000] [--seed 1] [--admin user:password]
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { clearTimeout } from 'node:timers';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    requests: { type: 'string', default: '6000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '16' },
    admin: { type: 'string' },
  },
});
const target = new URL(values.url);
const total = Number(values.requests);

// A small seeded generator (mulberry32), so that a run can be repeated exactly.
let state = Number(values.seed) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (max) => Math.floor(random() * max);

const PATH_VALUES = [
  () => randomUUID(),
  () => '%ff',
  () => '%c0%af', // an overlong "/"
  () => '%ED%A0%80', // a UTF-8-encoded surrogate
  () => '%e2%82', // a truncated sequence
  () => '%',
  () => '%00',
  () => '..%2f..%2fetc%2fpasswd',
  () => 'a'.repeat(101),
  () => 'a'.repeat(5000),
  () => encodeURIComponent('ключ🔑'),
  () => "1' OR '1'='1",
  () => '',
];
const QUERIES = ['', '', '?page=1&limit=5', '?search=%ff', '?search=%ED%A0%80', '?page=-1', '?limit=1e309', '?page=%', '?a=1&a=2&a=3', `?search=${'x'.repeat(3000)}`, '?search[$ne]=1', '?__proto__[x]=1'];

const STRINGS = [
  '\\ud800',
  '\\udfff@example.com',
  'x\\udc00\\ud800',
  '\\u0000',
  '\\u202e',
  '🔑'.repeat(200),
  'a'.repeat(20_000),
  '',
  ' ',
  "' OR 1=1 --",
  '%s%s%s',
  'user@example.com',
  'correct horse battery staple',
];
const rawString = () => `"${pick(STRINGS)}"`;
const VALUES = [rawString, rawString, () => String(int(1e9)), () => '1e309', () => '-0', () => 'null', () => 'true', () => '[]', () => '{}', () => '[1,"a",null]', () => '{"$gt":""}'];
const FIELDS = ['username', 'email', 'password', 'currentPassword', 'newPassword', 'refreshToken', 'token', 'roles', 'disabled', '__proto__', 'constructor', 'x'];

function objectBody() {
  const entries = Array.from({ length: 1 + int(5) }, () => `"${pick(FIELDS)}":${pick(VALUES)()}`);
  return `{${entries.join(',')}}`;
}
const BODIES = [
  () => Buffer.from(objectBody()),
  () => Buffer.from(objectBody()),
  () => Buffer.concat([Buffer.from('{"password":"'), Buffer.from(pick([[0xff, 0xfe, 0xfd], [0xc0, 0xc1, 0xf5], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]])), Buffer.from('"}')]),
  () => Buffer.from('['.repeat(33 + int(5000)) + ']'.repeat(10)),
  () => Buffer.from('{"a":'.repeat(40) + '1' + '}'.repeat(40)),
  () => Buffer.from(`{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(',')}}`), // wide
  () => Buffer.from(`{"username":"${'a'.repeat(110 * 1024)}"}`), // over the limit
  () => Buffer.from('{"username":'),
  () => Buffer.from('{"username":"a","username":"b","password":"c"}'),
  () => Buffer.from('null'),
  () => Buffer.from('"just a string"'),
  () => Buffer.from('\ufeff{"username":"bom"}'),
];
const CONTENT_TYPES = ['application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', ''];

async function send(bytes) {
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port || 80), target.hostname);
    const chunks = [];
    const timer = setTimeout(() => socket.destroy(), 20_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    // Written, not ended: Node's HTTP server drops a request whose client half-closes before the answer (it aborts
    // it on the FIN), which real clients do not do; `Connection: close` makes the server close once it answers.
    socket.write(bytes);
  });
}

function request(method, path, headers, body) {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${target.host}`, 'Connection: close', ...headers];
  if (body) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

async function login(username, password) {
  const response = await fetch(new URL('/api/v1/auth/login', target), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return response.ok ? (await response.json()).accessToken : undefined;
}

const doc = await (await fetch(new URL('/docs-json', target))).json();
const operations = Object.entries(doc.paths).flatMap(([template, item]) =>
  Object.keys(item)
    .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map((method) => ({ method: method.toUpperCase(), template })),
);
const user = { username: `fuzz_${Date.now()}`, email: `fuzz_${Date.now()}@example.com`, password: 'fuzz horse battery staple' };
await fetch(new URL('/api/v1/auth/register', target), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
const tokens = [undefined, undefined, 'forged.token.here', `eyJhbGciOiJub25lIn0.${'A'.repeat(9000)}.`];
const refreshTokens = async () => {
  tokens[0] = await login(user.username, user.password);
  if (values.admin) tokens[1] = await login(...values.admin.split(':'));
};
await refreshTokens();

const counts = new Map();
const problems = [];
let sent = 0;

function oneCase() {
  const operation = pick(operations);
  const method = random() < 0.05 ? pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'BREW']) : operation.method;
  const path = operation.template.replace(/\{[^}]+\}/g, () => pick(PATH_VALUES)()) + pick(QUERIES);
  const headers = [];
  const token = pick(tokens);
  if (token) headers.push(random() < 0.8 ? `Authorization: Bearer ${token}` : `x-access-token: ${token}`);
  const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && random() < 0.9 ? pick(BODIES)() : undefined;
  const type = pick(CONTENT_TYPES);
  if (body && type) headers.push(`Content-Type: ${type}`);
  const extra = random();
  if (extra < 0.05) headers.push(`X-Big: ${'a'.repeat(20_000)}`);
  else if (extra < 0.1) headers.push('Authorization: Bearer a', 'Authorization: Bearer b');
  else if (extra < 0.13) headers.push(...Array.from({ length: 500 }, (_, i) => `X-Many-${i}: ${i}`));
  else if (extra < 0.16) headers.push('Content-Length: 5', 'Content-Length: 6');
  else if (extra < 0.19) headers.push('Transfer-Encoding: chunked');
  else if (extra < 0.22) headers.push('X-Bad:\u0000\u007f', 'Bad Header Line');
  else if (extra < 0.25) headers.push(`X-Request-Id: ${'\u00ff'.repeat(80)}`);
  else if (extra < 0.28) headers.push('Cookie: ' + 'a=b; '.repeat(2000));
  return request(method, path, headers, body);
}

async function worker() {
  while (sent < total) {
    sent++;
    if (sent % 500 === 0) await refreshTokens(); // some cases log out or change the password
    const bytes = oneCase();
    const answer = await send(bytes);
    const head = answer.subarray(0, Math.max(0, answer.indexOf('\r\n\r\n'))).toString('latin1');
    const status = Number(head.split(' ')[1] ?? 0);
    counts.set(status, (counts.get(status) ?? 0) + 1);
    const body = answer.subarray(answer.indexOf('\r\n\r\n') + 4).toString('utf8');
    let code;
    try {
      code = JSON.parse(body).code;
    } catch {
      code = undefined;
    }
    // A HEAD answer has no body by definition (RFC 9110 §9.3.2), so no code either.
    const needsCode = status >= 400 && !bytes.subarray(0, 5).equals(Buffer.from('HEAD '));
    if (status === 0 || status >= 500 || (needsCode && typeof code !== 'string') || (status >= 400 && !/x-request-id/i.test(head))) {
      const sentHead = bytes.subarray(0, bytes.indexOf('\r\n\r\n')).toString('latin1');
      const shown = sentHead.split('\r\n').map((line) => (line.length > 100 ? `${line.slice(0, 100)}…` : line));
      problems.push(`${status} ${code ?? '(no code)'} for ${shown.slice(0, 1).concat(shown.slice(3, 6)).join(' | ')} (${bytes.length} bytes)`);
    }
  }
}

await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
console.log(`requests: ${sent} over ${operations.length} operations (seed ${values.seed})`);
console.log(`status counts: ${[...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ')}`);
console.log(`answers with a 5xx, no answer, no code or no request id: ${problems.length}`);
for (const line of [...new Set(problems)].slice(0, 20)) console.log(`  ${line}`);
process.exit(problems.length === 0 ? 0 : 1);
