import { ConfigType } from '@nestjs/config';
import type { Request } from 'express';
import { createHmac, createSecretKey } from 'node:crypto';
import { AppException, ErrorCode } from '../../common/errors';
import { AppConfig, authConfig } from '../../config';
import { CsrfService } from '../browser/csrf.service';
import { SessionsService } from '../../sessions/sessions.service';
import { UserRole } from '../../users/user-role';
import { HeaderCarrier } from '../access-token.extractor';
import { KeyRing } from '../tokens/key-ring';
import { CLOCK_SKEW_SECONDS, TokensService } from '../tokens/tokens.service';
import { JwtStrategy } from './jwt.strategy';

const TTL = 900;
const config = {
  jwtAlgorithm: 'HS256',
  issuer: 'gatehouse',
  audience: 'gatehouse-api',
  accessTokenTtlSeconds: TTL,
} as ConfigType<typeof authConfig>;

const revokedSessionId = 'revoked-session';
const sessions: Pick<SessionsService, 'isRevoked'> = { isRevoked: (sessionId) => sessionId === revokedSessionId };

const secret = Buffer.alloc(32, 7);
const key = createSecretKey(secret);
const tokens = new TokensService({ algorithm: 'HS256', signing: { key }, verification: new Map(), secret: key, jwks: [] }, config);
const APP_ORIGIN = 'https://app.example';
const ring: KeyRing = { algorithm: 'HS256', signing: { key }, verification: new Map(), secret: key, jwks: [] };
const csrf = new CsrfService(ring, { trustedOrigins: [APP_ORIGIN] } as AppConfig);
const strategy = new JwtStrategy(tokens, sessions as SessionsService, csrf);

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const authenticate = (token: string) => strategy.authenticateAccessToken(bearer(token));

/** A correctly signed HS256 access token around any payload, so only the claim checks can refuse it. */
function sign(payload: unknown): string {
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${segment({ alg: 'HS256', typ: 'at+jwt' })}.${segment(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({
  sub: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  username: 'alice',
  roles: ['user'],
  sid: 'session-1',
  jti: 'token-1',
  amr: ['pwd'],
  auth_time: now() - 60,
  iat: now(),
  exp: now() + TTL,
  iss: 'gatehouse',
  aud: 'gatehouse-api',
});

function errorOf(run: () => unknown): AppException {
  try {
    run();
  } catch (error) {
    if (error instanceof AppException) return error;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

function codeOf(run: () => unknown): ErrorCode {
  const error = errorOf(run);
  expect(error.status).toBe(401);
  return error.code;
}

describe('JwtStrategy.authenticateAccessToken (the token, TokensService checks, then the session)', () => {
  it('accepts a well-formed access token and returns the caller', () => {
    const payload = claims();
    expect(authenticate(sign(payload))).toEqual({
      userId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      username: 'alice',
      roles: ['user'],
      sessionId: 'session-1',
      tokenId: 'token-1',
      amr: ['pwd'],
      authTime: payload.auth_time,
      secondFactor: false,
      via: 'header',
    });
  });

  it('accepts a token that TokensService signed, with how and when the session authenticated', () => {
    const authTime = now() - 30;
    const token = tokens.signAccessToken({ id: 'user-1', username: 'bob', roles: [UserRole.Admin] }, 'session-2', {
      amr: ['pwd', 'otp', 'mfa'],
      authTime,
      secondFactor: true,
    });

    expect(authenticate(token)).toEqual({
      userId: 'user-1',
      username: 'bob',
      roles: ['admin'],
      sessionId: 'session-2',
      tokenId: expect.any(String),
      amr: ['pwd', 'otp', 'mfa'],
      authTime,
      secondFactor: true,
      via: 'header',
    });
  });

  it('accepts a token signed before amr and auth_time existed, as a session that is not recent', () => {
    expect(authenticate(sign({ ...claims(), amr: undefined, auth_time: undefined }))).toMatchObject({ amr: [], authTime: 0 });
  });

  it('refuses a request without a bearer token as TOKEN_MISSING', () => {
    expect(codeOf(() => strategy.authenticateAccessToken({ headers: {} }))).toBe(ErrorCode.TOKEN_MISSING);
    expect(codeOf(() => strategy.authenticateAccessToken({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }))).toBe(
      ErrorCode.TOKEN_MISSING,
    );
  });

  it('refuses an oversized token as TOKEN_INVALID before verifying it', () => {
    expect(codeOf(() => authenticate('a'.repeat(10_000)))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it('accepts an iat within the clock skew', () => {
    const iat = now() + CLOCK_SKEW_SECONDS - 1;

    expect(authenticate(sign({ ...claims(), iat, exp: iat + TTL })).userId).toBeDefined();
  });

  it.each([
    ['a string payload', 'alice'],
    ['an array payload', [claims()]],
    ['a null payload', null],
  ])('refuses %s', (_, payload: unknown) => {
    expect(codeOf(() => authenticate(sign(payload)))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it.each([
    ['no exp', () => ({ ...claims(), exp: undefined })],
    ['no iat', () => ({ ...claims(), iat: undefined })],
    ['an iat in the future', () => ({ ...claims(), iat: now() + 60, exp: now() + 60 + TTL })],
    ['a lifetime beyond the TTL', () => ({ ...claims(), exp: now() + TTL + 1 })],
    ['a numeric sub', () => ({ ...claims(), sub: 1 })],
    ['no sub', () => ({ ...claims(), sub: undefined })],
    ['no sid', () => ({ ...claims(), sid: undefined })],
    ['no jti', () => ({ ...claims(), jti: undefined })],
    ['no username', () => ({ ...claims(), username: undefined })],
    ['roles as a string', () => ({ ...claims(), roles: 'admin' })],
    ['roles with a non-string', () => ({ ...claims(), roles: ['user', 1] })],
    ['no roles', () => ({ ...claims(), roles: undefined })],
    ['amr as a string', () => ({ ...claims(), amr: 'pwd' })],
    ['amr with a non-string', () => ({ ...claims(), amr: ['pwd', 1] })],
    ['a string auth_time', () => ({ ...claims(), auth_time: '1700000000' })],
    ['a second_factor that is not true', () => ({ ...claims(), second_factor: 'yes' })],
  ])('refuses a payload with %s', (_, payload: () => Record<string, unknown>) => {
    expect(codeOf(() => authenticate(sign(payload())))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it('refuses an expired token as TOKEN_EXPIRED', () => {
    expect(codeOf(() => authenticate(sign({ ...claims(), iat: now() - TTL - 60, exp: now() - 60 })))).toBe(ErrorCode.TOKEN_EXPIRED);
  });

  it('refuses a token of a revoked session as TOKEN_REVOKED', () => {
    expect(codeOf(() => authenticate(sign({ ...claims(), sid: revokedSessionId })))).toBe(ErrorCode.TOKEN_REVOKED);
  });

  it('checks the signature of every token whose header it has seen before', () => {
    const good = sign(claims());
    expect(authenticate(good).userId).toBeDefined();
    const [header, payload] = good.split('.');
    const forged = `${header}.${payload}.${createHmac('sha256', Buffer.alloc(32, 8)).update(`${header}.${payload}`).digest('base64url')}`;

    expect(codeOf(() => authenticate(forged))).toBe(ErrorCode.TOKEN_INVALID);
  });
});

describe('JwtStrategy with the access cookie (API.md "Browser sessions")', () => {
  const cookie = (token: string, extra: Record<string, string> = {}) => ({
    method: 'GET',
    headers: { cookie: `theme=dark; __Host-gh-at=${token}; other=1`, ...extra },
  });
  const unsafe = (token: string, headers: Record<string, string>) => ({ ...cookie(token, headers), method: 'POST' });

  it('accepts the access cookie when no token header is sent, and says so', () => {
    expect(strategy.authenticateAccessToken(cookie(sign(claims())))).toMatchObject({ sessionId: 'session-1', via: 'cookie' });
  });

  it('lets a header always win: a bad header token is refused even beside a good cookie', () => {
    const good = sign(claims());
    expect(codeOf(() => strategy.authenticateAccessToken(cookie(good, { authorization: 'Bearer nonsense' })))).toBe(
      ErrorCode.TOKEN_INVALID,
    );
    expect(codeOf(() => strategy.authenticateAccessToken(cookie(good, { authorization: 'Basic dXNlcjpwYXNz' })))).toBe(
      ErrorCode.TOKEN_MISSING,
    );
    expect(strategy.authenticateAccessToken(cookie('garbage', { 'x-access-token': good })).via).toBe('header');
  });

  it.each([
    ['garbage in the cookie', { cookie: '__Host-gh-at=not.a.jwt' }, ErrorCode.TOKEN_INVALID],
    ['the cookie twice', { cookie: `__Host-gh-at=${'a'.repeat(10)}; __Host-gh-at=b` }, ErrorCode.TOKEN_INVALID],
    ['a Cookie header over 8 kB', { cookie: `pad=${'x'.repeat(9000)}; __Host-gh-at=abc` }, ErrorCode.TOKEN_INVALID],
    ['a Cookie header without pairs', { cookie: ';;;=;; ;__Host-gh-at' }, ErrorCode.TOKEN_MISSING],
    ['an emptied cookie', { cookie: '__Host-gh-at=' }, ErrorCode.TOKEN_MISSING],
    ['only other cookies', { cookie: 'gh-at=x; __Host-gh-atx=y' }, ErrorCode.TOKEN_MISSING],
  ])('refuses %s with 401', (_, headers, code) => {
    expect(codeOf(() => strategy.authenticateAccessToken({ method: 'GET', headers }))).toBe(code);
  });

  it('reads a 16 kB Cookie header of separators in linear time', () => {
    const started = performance.now();
    for (let i = 0; i < 100; i++) errorOf(() => strategy.authenticateAccessToken({ headers: { cookie: ';'.repeat(8000) + '=' } }));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('needs the CSRF token and a trusted origin for an unsafe method, and nothing for a bearer request', () => {
    const token = sign(claims());
    const good = { 'x-csrf-token': csrf.tokenFor('session-1'), origin: APP_ORIGIN };
    expect(strategy.authenticateAccessToken(unsafe(token, good)).via).toBe('cookie');
    const refusals: Record<string, string>[] = [
      { origin: APP_ORIGIN },
      { ...good, 'x-csrf-token': csrf.tokenFor('session-2') },
      { ...good, 'x-csrf-token': 'x'.repeat(43) },
      { ...good, origin: 'null' },
      { ...good, origin: 'https://app.example.evil' },
      { 'x-csrf-token': good['x-csrf-token'], 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of refusals) {
      const error = errorOf(() => strategy.authenticateAccessToken(unsafe(token, headers)));
      expect([error.status, error.code]).toEqual([403, ErrorCode.CSRF_FAILED]);
    }
    expect(strategy.authenticateAccessToken({ method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'null' } }).via).toBe(
      'header',
    );
  });
});

/** What Passport sees when `AuthGuard('jwt')` runs the strategy: it calls authenticate on a per-request copy. */
function throughPassport(request: HeaderCarrier): Promise<{ user?: unknown; error?: unknown; failed?: boolean }> {
  return new Promise((resolve) => {
    const attempt = Object.assign(Object.create(strategy) as JwtStrategy, {
      success: (user: unknown) => resolve({ user }),
      error: (error: unknown) => resolve({ error }),
      fail: () => resolve({ failed: true }),
    });
    attempt.authenticate(request as Request);
  });
}

describe("JwtStrategy through Passport (AuthGuard('jwt'))", () => {
  it('hands on the caller that authenticateAccessToken returns', async () => {
    const request = bearer(sign(claims()));

    expect(await throughPassport(request)).toEqual({ user: strategy.authenticateAccessToken(request) });
  });

  it.each([
    ['no token', { headers: {} }],
    ['an oversized token', bearer('a'.repeat(10_000))],
    ['an expired token', bearer(sign({ ...claims(), iat: now() - TTL - 60, exp: now() - 60 }))],
    ['a revoked session', bearer(sign({ ...claims(), sid: revokedSessionId }))],
  ])('hands on the very refusal of authenticateAccessToken for %s, never a bare fail', async (_, request: HeaderCarrier) => {
    const direct = errorOf(() => strategy.authenticateAccessToken(request));

    expect(await throughPassport(request)).toEqual({ error: direct });
  });
});
