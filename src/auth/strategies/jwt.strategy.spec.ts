import { createSecretKey } from 'node:crypto';
import { ConfigType } from '@nestjs/config';
import { AppException, ErrorCode } from '../../common/errors';
import { authConfig } from '../../config';
import { SessionsService } from '../sessions/sessions.service';
import { CLOCK_SKEW_SECONDS, JwtStrategy } from './jwt.strategy';

const TTL = 900;
const config = {
  jwtAlgorithm: 'HS256',
  issuer: 'gatehouse',
  audience: 'gatehouse-api',
  accessTokenTtlSeconds: TTL,
} as ConfigType<typeof authConfig>;

const revokedSessionId = 'revoked-session';
const sessions: Pick<SessionsService, 'isRevoked'> = { isRevoked: (sessionId) => sessionId === revokedSessionId };

const strategy = new JwtStrategy(createSecretKey(Buffer.alloc(32, 7)), config, sessions as SessionsService);

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

describe('JwtStrategy.validate', () => {
  it('accepts a well-formed access token and returns the caller', () => {
    expect(strategy.validate({ payload: claims() })).toEqual({
      userId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      username: 'alice',
      roles: ['user'],
      sessionId: 'session-1',
      tokenId: 'token-1',
    });
  });

  it('accepts an iat within the clock skew', () => {
    const iat = now() + CLOCK_SKEW_SECONDS - 1;

    expect(strategy.validate({ payload: { ...claims(), iat, exp: iat + TTL } }).userId).toBeDefined();
  });

  it.each([
    ['a string payload', 'alice'],
    ['an array payload', [claims()]],
    ['a null payload', null],
  ])('refuses %s', (_, payload: unknown) => {
    expect(codeOf(() => strategy.validate({ payload }))).toBe(ErrorCode.TOKEN_INVALID);
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
    expect(codeOf(() => strategy.validate({ payload: payload() }))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it('refuses a token of a revoked session as TOKEN_REVOKED', () => {
    expect(codeOf(() => strategy.validate({ payload: { ...claims(), sid: revokedSessionId } }))).toBe(ErrorCode.TOKEN_REVOKED);
  });
});
