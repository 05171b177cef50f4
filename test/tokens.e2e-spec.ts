import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { api, ADMIN_ENV, bearer, decodeJwt, registerAndLogin, TokenPair } from './support/http';
import { base64url, forgeAccessToken, nowSeconds, signJwt, Subject, subjectOf } from './support/jwt-forge';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

const ME = '/api/v1/auth/me';
const CHALLENGE = 'Bearer realm="gatehouse"';
const INVALID_TOKEN_CHALLENGE = /^Bearer realm="gatehouse", error="invalid_token", error_description="[^"\\]+"$/;

type Code = 'TOKEN_MISSING' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_REVOKED';

/** A 401 with the API.md error body and the RFC 6750 challenge that belongs to its code. */
function expectTokenRefusal(response: { status: number; body: { code?: unknown }; headers: Record<string, string> }, code: Code): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status: 401, code });
  expect(response.body).toEqual({ statusCode: 401, code, message: expect.any(String), error: 'Unauthorized' });
  const challenge = response.headers['www-authenticate'];
  if (code === 'TOKEN_MISSING') expect(challenge).toBe(CHALLENGE);
  else expect(challenge).toMatch(INVALID_TOKEN_CHALLENGE);
}

describe.each(testDatabases())('access-token verification on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;
  let tokens: TokenPair;
  let subject: Subject;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url, ...ADMIN_ENV });
    ({ tokens } = await registerAndLogin(app));
    subject = subjectOf(tokens.accessToken);
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  const get = (token: string) => api(app).get(ME).set(bearer(token));

  describe('tokens that are accepted (so the refusals below mean something)', () => {
    it('accepts the token issued at login', async () => {
      const response = await get(tokens.accessToken).expect(200);
      expect(response.body.id).toBe(subject.sub);
    });

    it('accepts a token forged with every claim right, signed with the configured secret', async () => {
      const response = await get(forgeAccessToken(subject));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: subject.sub, username: subject.username });
    });

    it('accepts a forged token within the clock skew and with exactly the configured lifetime', async () => {
      const iat = nowSeconds() + 2;
      await get(forgeAccessToken(subject, { claims: { iat, exp: iat + 900 } })).expect(200);
    });
  });

  describe('no usable token', () => {
    it('refuses a request without any token: TOKEN_MISSING', async () => {
      expectTokenRefusal(await api(app).get(ME), 'TOKEN_MISSING');
    });

    it('refuses the Basic scheme as no bearer token at all: TOKEN_MISSING', async () => {
      const response = await api(app)
        .get(ME)
        .set('authorization', `Basic ${Buffer.from('user:pass').toString('base64')}`);
      expectTokenRefusal(response, 'TOKEN_MISSING');
    });

    it('refuses "Bearer" with nothing after it: TOKEN_INVALID or TOKEN_MISSING, never 200', async () => {
      const response = await api(app).get(ME).set('authorization', 'Bearer ');
      expect(response.status).toBe(401);
      expectTokenRefusal(response, response.body.code);
    });
  });

  describe('forged or malformed tokens', () => {
    const secret = () => randomBytes(32).toString('base64url');
    const realParts = () => tokens.accessToken.split('.');

    const cases: Array<[string, () => string, Code]> = [
      ['garbage', () => 'this-is-not-a-jwt', 'TOKEN_INVALID'],
      ['three garbage segments', () => 'aaa.bbb.ccc', 'TOKEN_INVALID'],
      [
        'alg "none" with an empty signature',
        () => `${base64url(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${realParts()[1]}.`,
        'TOKEN_INVALID',
      ],
      ['the real token with its signature stripped', () => `${realParts()[0]}.${realParts()[1]}.`, 'TOKEN_INVALID'],
      [
        'the real token with its payload tampered (roles admin)',
        () => {
          const [header, , signature] = realParts();
          const payload = { ...decodeJwt(tokens.accessToken).payload, roles: ['admin'] };
          return `${header}.${base64url(JSON.stringify(payload))}.${signature}`;
        },
        'TOKEN_INVALID',
      ],
      ['signed with another secret', () => forgeAccessToken(subject, { secret: secret() }), 'TOKEN_INVALID'],
      [
        'HS512 with the right secret (algorithm allow-list)',
        () => forgeAccessToken(subject, { header: { alg: 'HS512' } }),
        'TOKEN_INVALID',
      ],
      [
        'HS384 with the right secret (algorithm allow-list)',
        () => forgeAccessToken(subject, { header: { alg: 'HS384' } }),
        'TOKEN_INVALID',
      ],
      ['a wrong issuer', () => forgeAccessToken(subject, { claims: { iss: 'evil-issuer' } }), 'TOKEN_INVALID'],
      ['a wrong audience', () => forgeAccessToken(subject, { claims: { aud: 'another-api' } }), 'TOKEN_INVALID'],
      ['expired', () => forgeAccessToken(subject, { claims: { iat: nowSeconds() - 1000, exp: nowSeconds() - 100 } }), 'TOKEN_EXPIRED'],
      ['nbf in the future', () => forgeAccessToken(subject, { claims: { nbf: nowSeconds() + 600 } }), 'TOKEN_INVALID'],
      [
        'iat in the future',
        () => forgeAccessToken(subject, { claims: { iat: nowSeconds() + 600, exp: nowSeconds() + 1200 } }),
        'TOKEN_INVALID',
      ],
      ['a lifetime longer than the TTL', () => forgeAccessToken(subject, { claims: { exp: nowSeconds() + 3600 } }), 'TOKEN_INVALID'],
      [
        'a lifetime one second longer than the TTL',
        () => forgeAccessToken(subject, { claims: { iat: nowSeconds(), exp: nowSeconds() + 901 } }),
        'TOKEN_INVALID',
      ],
      ['typ "JWT"', () => forgeAccessToken(subject, { header: { typ: 'JWT' } }), 'TOKEN_INVALID'],
      ['no typ', () => forgeAccessToken(subject, { header: { typ: undefined } }), 'TOKEN_INVALID'],
      ['a crit header', () => forgeAccessToken(subject, { header: { crit: ['x-policy'], 'x-policy': 'ignore-me' } }), 'TOKEN_INVALID'],
      ['no exp', () => forgeAccessToken(subject, { claims: { exp: undefined } }), 'TOKEN_INVALID'],
      ['no iat', () => forgeAccessToken(subject, { claims: { iat: undefined } }), 'TOKEN_INVALID'],
      ['a payload that is a JSON string', () => signJwt({ alg: 'HS256', typ: 'at+jwt' }, 'just a string'), 'TOKEN_INVALID'],
      ['a payload that is a JSON array', () => signJwt({ alg: 'HS256', typ: 'at+jwt' }, [subject]), 'TOKEN_INVALID'],
      ['no sub', () => forgeAccessToken(subject, { claims: { sub: undefined } }), 'TOKEN_INVALID'],
      ['sub a number', () => forgeAccessToken(subject, { claims: { sub: 1 } }), 'TOKEN_INVALID'],
      ['no sid', () => forgeAccessToken(subject, { claims: { sid: undefined } }), 'TOKEN_INVALID'],
      ['roles not an array', () => forgeAccessToken(subject, { claims: { roles: 'admin' } }), 'TOKEN_INVALID'],
      ['the refresh token presented as a bearer token', () => tokens.refreshToken, 'TOKEN_INVALID'],
    ];

    it.each(cases)('refuses %s', async (_name, token, code) => {
      expectTokenRefusal(await get(token()), code);
    });

    it('refuses the same forgeries through x-access-token as well', async () => {
      expectTokenRefusal(
        await api(app)
          .get(ME)
          .set('x-access-token', forgeAccessToken(subject, { header: { alg: 'HS512' } })),
        'TOKEN_INVALID',
      );
      expectTokenRefusal(await api(app).get(ME).set('x-access-token', tokens.refreshToken), 'TOKEN_INVALID');
    });

    it('names a bad header before expiry (API.md order): an expired token with typ "JWT" is TOKEN_INVALID', async () => {
      const token = forgeAccessToken(subject, { header: { typ: 'JWT' }, claims: { iat: nowSeconds() - 1000, exp: nowSeconds() - 100 } });
      expectTokenRefusal(await get(token), 'TOKEN_INVALID');
    });

    it('refuses a token over 8 kB quickly with TOKEN_INVALID', async () => {
      const token = forgeAccessToken(subject, { claims: { pad: 'x'.repeat(9000) } });
      expect(token.length).toBeGreaterThan(8192);
      const started = performance.now();
      const response = await get(token);
      expect(performance.now() - started).toBeLessThan(500);
      expectTokenRefusal(response, 'TOKEN_INVALID');
    });

    it('refuses a 12 kB space-free Authorization header quickly (no quadratic parsing)', async () => {
      const started = performance.now();
      const response = await api(app)
        .get(ME)
        .set('authorization', `Bearer${'a'.repeat(12_000)}`);
      expect(performance.now() - started).toBeLessThan(500);
      expect(response.status).toBe(401);
      expectTokenRefusal(response, response.body.code);
    });

    it('never lets a tampered admin token through to an admin route', async () => {
      const [header, , signature] = tokens.accessToken.split('.');
      const payload = { ...decodeJwt(tokens.accessToken).payload, roles: ['admin'] };
      const response = await api(app)
        .get('/api/v1/users')
        .set(bearer(`${header}.${base64url(JSON.stringify(payload))}.${signature}`));
      expectTokenRefusal(response, 'TOKEN_INVALID');
    });
  });

  describe('roles', () => {
    it('answers 403 FORBIDDEN to a valid user token on an admin route', async () => {
      const response = await api(app).get('/api/v1/users').set(bearer(tokens.accessToken));
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: expect.any(String), error: 'Forbidden' });
      expect(response.headers['www-authenticate']).toBeUndefined();
    });
  });
});
