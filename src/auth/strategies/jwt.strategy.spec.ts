import { ConfigType } from '@nestjs/config';
import { createHmac, createSecretKey } from 'node:crypto';
import { AppException, ErrorCode } from '../../common/errors';
import { authConfig } from '../../config';
import { SessionsService } from '../sessions/sessions.service';
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
const strategy = new JwtStrategy(tokens, sessions as SessionsService);

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
  iat: now(),
  exp: now() + TTL,
  iss: 'gatehouse',
  aud: 'gatehouse-api',
});

function codeOf(run: () => unknown): ErrorCode {
  try {
    run();
  } catch (error) {
    if (error instanceof AppException) {
      expect(error.status).toBe(401);
      return error.code;
    }
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('JwtStrategy.validate (TokensService checks, then the session)', () => {
  it('accepts a well-formed access token and returns the caller', () => {
    expect(strategy.validate(sign(claims()))).toEqual({
      userId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      username: 'alice',
      roles: ['user'],
      sessionId: 'session-1',
      tokenId: 'token-1',
    });
  });

  it('accepts an iat within the clock skew', () => {
    const iat = now() + CLOCK_SKEW_SECONDS - 1;

    expect(strategy.validate(sign({ ...claims(), iat, exp: iat + TTL })).userId).toBeDefined();
  });

  it.each([
    ['a string payload', 'alice'],
    ['an array payload', [claims()]],
    ['a null payload', null],
  ])('refuses %s', (_, payload: unknown) => {
    expect(codeOf(() => strategy.validate(sign(payload)))).toBe(ErrorCode.TOKEN_INVALID);
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
  ])('refuses a payload with %s', (_, payload: () => Record<string, unknown>) => {
    expect(codeOf(() => strategy.validate(sign(payload())))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it('refuses an expired token as TOKEN_EXPIRED', () => {
    expect(codeOf(() => strategy.validate(sign({ ...claims(), iat: now() - TTL - 60, exp: now() - 60 })))).toBe(ErrorCode.TOKEN_EXPIRED);
  });

  it('refuses a token of a revoked session as TOKEN_REVOKED', () => {
    expect(codeOf(() => strategy.validate(sign({ ...claims(), sid: revokedSessionId })))).toBe(ErrorCode.TOKEN_REVOKED);
  });

  it('checks the signature of every token whose header it has seen before', () => {
    const good = sign(claims());
    expect(strategy.validate(good).userId).toBeDefined();
    const [header, payload] = good.split('.');
    const forged = `${header}.${payload}.${createHmac('sha256', Buffer.alloc(32, 8)).update(`${header}.${payload}`).digest('base64url')}`;

    expect(codeOf(() => strategy.validate(forged))).toBe(ErrorCode.TOKEN_INVALID);
  });
});
