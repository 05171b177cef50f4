import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Public } from '../src/common/auth';
import { api, bearer, registerAndLogin, TokenPair } from './support/http';
import { base64url, forgeAccessToken, nowSeconds, signJwt, Subject, subjectOf } from './support/jwt-forge';
import { createTestApp, createTestDatabase } from './support/test-app';

// The global JwtAuthGuard calls the strategy's check directly; AuthGuard('jwt') reaches it through Passport.
// Whatever the token, both must answer alike, down to the body and the challenge.

@Controller({ path: 'parity', version: '1' })
class ParityController {
  @Get('global')
  global(@Req() request: { user?: unknown }): unknown {
    return request.user;
  }

  @Public()
  @UseGuards(AuthGuard('jwt'))
  @Get('passport')
  passport(@Req() request: { user?: unknown }): unknown {
    return request.user;
  }

  @Post('global')
  @HttpCode(200)
  globalPost(@Req() request: { user?: unknown }): unknown {
    return request.user;
  }

  @Public()
  @UseGuards(AuthGuard('jwt'))
  @Post('passport')
  @HttpCode(200)
  passportPost(@Req() request: { user?: unknown }): unknown {
    return request.user;
  }
}

type Headers = Record<string, string>;

interface Answer {
  status: number;
  body: unknown;
  challenge: string | undefined;
}

describe('AuthGuard("jwt") answers as the global JwtAuthGuard does', () => {
  let app: NestFastifyApplication;
  let tokens: TokenPair;
  let subject: Subject;
  let revokedToken: string;

  beforeAll(async () => {
    app = await createTestApp({ DATABASE_URL: (await createTestDatabase('sqlite')).url }, { controllers: [ParityController] });
    ({ tokens } = await registerAndLogin(app));
    subject = subjectOf(tokens.accessToken);
    const other = await registerAndLogin(app);
    revokedToken = other.tokens.accessToken;
    await api(app).post('/api/v1/auth/logout').set(bearer(revokedToken)).expect(204);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  async function answer(route: 'global' | 'passport', headers: Headers): Promise<Answer> {
    const response = await api(app).get(`/api/v1/parity/${route}`).set(headers);
    return { status: response.status, body: response.body as unknown, challenge: response.headers['www-authenticate'] };
  }

  async function bothAnswers(headers: Headers): Promise<Answer> {
    const global = await answer('global', headers);
    expect(await answer('passport', headers)).toEqual(global);
    return global;
  }

  const withToken = (token: () => string) => () => bearer(token());
  const realParts = () => tokens.accessToken.split('.');

  const refusals: Array<[string, () => Headers, string]> = [
    ['no token at all', () => ({}), 'TOKEN_MISSING'],
    ['the Basic scheme', () => ({ authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` }), 'TOKEN_MISSING'],
    ['a 12 kB space-free Authorization header', () => ({ authorization: `Bearer${'a'.repeat(12_000)}` }), 'TOKEN_MISSING'],
    // HTTP trims the trailing spaces: what arrives is a bare "Bearer", no token.
    ['"Bearer" with only spaces after it', () => ({ authorization: 'Bearer     ' }), 'TOKEN_MISSING'],
    ['an oversized token', withToken(() => forgeAccessToken(subject, { claims: { pad: 'x'.repeat(9000) } })), 'TOKEN_INVALID'],
    ['garbage', withToken(() => 'this-is-not-a-jwt'), 'TOKEN_INVALID'],
    ['three garbage segments', withToken(() => 'aaa.bbb.ccc'), 'TOKEN_INVALID'],
    ['the real token with its signature stripped', withToken(() => `${realParts()[0]}.${realParts()[1]}.`), 'TOKEN_INVALID'],
    ['a bad signature', withToken(() => forgeAccessToken(subject, { secret: randomBytes(32).toString('base64url') })), 'TOKEN_INVALID'],
    ['alg "none"', withToken(() => `${base64url(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${realParts()[1]}.`), 'TOKEN_INVALID'],
    [
      'a wrong alg (HS512 with the right secret)',
      withToken(() => forgeAccessToken(subject, { header: { alg: 'HS512' } })),
      'TOKEN_INVALID',
    ],
    ['typ "JWT"', withToken(() => forgeAccessToken(subject, { header: { typ: 'JWT' } })), 'TOKEN_INVALID'],
    ['no typ', withToken(() => forgeAccessToken(subject, { header: { typ: undefined } })), 'TOKEN_INVALID'],
    [
      'a crit header',
      withToken(() => forgeAccessToken(subject, { header: { crit: ['x-policy'], 'x-policy': 'ignore-me' } })),
      'TOKEN_INVALID',
    ],
    ['an unknown kid', withToken(() => forgeAccessToken(subject, { header: { kid: 'not-one-of-ours' } })), 'TOKEN_INVALID'],
    [
      'expired',
      withToken(() => forgeAccessToken(subject, { claims: { iat: nowSeconds() - 1000, exp: nowSeconds() - 100 } })),
      'TOKEN_EXPIRED',
    ],
    ['nbf in the future', withToken(() => forgeAccessToken(subject, { claims: { nbf: nowSeconds() + 600 } })), 'TOKEN_INVALID'],
    [
      'iat in the future',
      withToken(() => forgeAccessToken(subject, { claims: { iat: nowSeconds() + 600, exp: nowSeconds() + 1200 } })),
      'TOKEN_INVALID',
    ],
    [
      'a lifetime longer than the TTL',
      withToken(() => forgeAccessToken(subject, { claims: { exp: nowSeconds() + 3600 } })),
      'TOKEN_INVALID',
    ],
    ['a wrong issuer', withToken(() => forgeAccessToken(subject, { claims: { iss: 'evil-issuer' } })), 'TOKEN_INVALID'],
    ['a wrong audience', withToken(() => forgeAccessToken(subject, { claims: { aud: 'another-api' } })), 'TOKEN_INVALID'],
    ['no exp', withToken(() => forgeAccessToken(subject, { claims: { exp: undefined } })), 'TOKEN_INVALID'],
    ['no iat', withToken(() => forgeAccessToken(subject, { claims: { iat: undefined } })), 'TOKEN_INVALID'],
    ['no sub', withToken(() => forgeAccessToken(subject, { claims: { sub: undefined } })), 'TOKEN_INVALID'],
    ['sub a number', withToken(() => forgeAccessToken(subject, { claims: { sub: 1 } })), 'TOKEN_INVALID'],
    ['no sid', withToken(() => forgeAccessToken(subject, { claims: { sid: undefined } })), 'TOKEN_INVALID'],
    ['no jti', withToken(() => forgeAccessToken(subject, { claims: { jti: undefined } })), 'TOKEN_INVALID'],
    ['no username', withToken(() => forgeAccessToken(subject, { claims: { username: undefined } })), 'TOKEN_INVALID'],
    ['roles not an array', withToken(() => forgeAccessToken(subject, { claims: { roles: 'admin' } })), 'TOKEN_INVALID'],
    ['a payload that is a JSON string', withToken(() => signJwt({ alg: 'HS256', typ: 'at+jwt' }, 'just a string')), 'TOKEN_INVALID'],
    ['the refresh token', withToken(() => tokens.refreshToken), 'TOKEN_INVALID'],
    [
      'a forgery through x-access-token',
      () => ({ 'x-access-token': forgeAccessToken(subject, { header: { alg: 'HS512' } }) }),
      'TOKEN_INVALID',
    ],
    ['a revoked session', withToken(() => revokedToken), 'TOKEN_REVOKED'],
    ['garbage in the access cookie', () => ({ cookie: '__Host-gh-at=this-is-not-a-jwt' }), 'TOKEN_INVALID'],
    ['the access cookie twice', () => ({ cookie: `__Host-gh-at=${tokens.accessToken}; __Host-gh-at=x` }), 'TOKEN_INVALID'],
    ['a revoked session in the access cookie', () => ({ cookie: `__Host-gh-at=${revokedToken}` }), 'TOKEN_REVOKED'],
    [
      'the Basic scheme beside a valid access cookie',
      () => ({ authorization: 'Basic dTpw', cookie: `__Host-gh-at=${tokens.accessToken}` }),
      'TOKEN_MISSING',
    ],
  ];

  it.each(refusals)('refuses %s identically', async (_name, headers, code) => {
    const { status, body } = await bothAnswers(headers());

    expect([status, (body as { code?: unknown }).code]).toEqual([401, code]);
  });

  it('asks both for the CSRF proof of a cookie-authenticated POST, and refuses alike without it', async () => {
    const post = (route: string, headers: Headers) => api(app).post(`/api/v1/parity/${route}`).set(headers);
    const cookie = { cookie: `__Host-gh-at=${tokens.accessToken}` };
    const refused = await Promise.all(['global', 'passport'].map((route) => post(route, cookie)));
    expect(refused.map((r) => [r.status, r.body.code as unknown])).toEqual([
      [403, 'CSRF_FAILED'],
      [403, 'CSRF_FAILED'],
    ]);
    const csrf = (await api(app).get('/api/v1/auth/csrf').set(cookie)).body.csrfToken as string;
    const allowed = await Promise.all(['global', 'passport'].map((route) => post(route, { ...cookie, 'x-csrf-token': csrf })));
    expect(allowed.map((r) => [r.status, r.body.via as unknown])).toEqual([
      [200, 'cookie'],
      [200, 'cookie'],
    ]);
  });

  it.each([
    ['Authorization: Bearer', () => bearer(tokens.accessToken), 'header'],
    ['x-access-token', () => ({ 'x-access-token': tokens.accessToken }), 'header'],
    ['the access cookie', () => ({ cookie: `__Host-gh-at=${tokens.accessToken}` }), 'cookie'],
  ])('accepts a valid token through %s with the same request.user', async (_name, headers, via) => {
    const { status, body } = await bothAnswers(headers());

    expect(status).toBe(200);
    expect(body).toEqual({
      userId: subject.sub,
      username: subject.username,
      roles: subject.roles,
      sessionId: subject.sid,
      tokenId: expect.any(String),
      amr: ['pwd'],
      authTime: expect.any(Number),
      secondFactor: false,
      via,
    });
  });
});
