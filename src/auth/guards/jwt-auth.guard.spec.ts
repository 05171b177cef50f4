import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode, TokenException } from '../../common/errors';
import { AuthUser, Public } from '../../common/auth';
import { HeaderCarrier } from '../access-token.extractor';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { JwtAuthGuard } from './jwt-auth.guard';

class RoutesController {
  @Public()
  open(): void {}

  closed(): void {}
}

function contextFor(handler: keyof RoutesController, request: HeaderCarrier): ExecutionContext {
  return {
    getClass: () => RoutesController,
    getHandler: () => RoutesController.prototype[handler],
    getArgByIndex: (index: number) => (index === 0 ? request : {}),
  } as unknown as ExecutionContext;
}

const alice: AuthUser = {
  userId: 'u1',
  username: 'alice',
  roles: [],
  sessionId: 's1',
  tokenId: 't1',
  amr: ['pwd'],
  authTime: 0,
  secondFactor: false,
  via: 'header',
};
const missing = new TokenException(ErrorCode.TOKEN_MISSING, 'An access token is required');
const revoked = new TokenException(ErrorCode.TOKEN_REVOKED, 'The session of this token has ended');

/** The strategy's check, faked: 'Bearer good' is alice, no header is missing, anything else is revoked. */
const strategy = {
  authenticateAccessToken: (request: HeaderCarrier) => {
    const { authorization } = request.headers;
    if (authorization === undefined) throw missing;
    if (authorization === 'Bearer good') return alice;
    throw revoked;
  },
} as unknown as JwtStrategy;

describe('JwtAuthGuard', () => {
  const guard = new JwtAuthGuard(new Reflector(), strategy);

  it('lets a @Public() route through without asking the strategy', () => {
    const request = { headers: {} } as HeaderCarrier & { user?: AuthUser };

    expect(guard.canActivate(contextFor('open', request))).toBe(true);
    expect(request.user).toBeUndefined();
  });

  it('puts the verified caller on the request, without a promise to await', () => {
    const request = { headers: { authorization: 'Bearer good' } } as HeaderCarrier & { user?: AuthUser };

    expect(guard.canActivate(contextFor('closed', request))).toBe(true);
    expect(request.user).toBe(alice);
  });

  it.each([
    ['no token', {}, missing],
    ['a refused token', { authorization: 'Bearer revoked' }, revoked],
  ])("passes the strategy's refusal of %s on unchanged", (_, headers: Record<string, string>, refusal) => {
    const request = { headers } as HeaderCarrier & { user?: AuthUser };

    expect(() => guard.canActivate(contextFor('closed', request))).toThrow(refusal);
    expect(request.user).toBeUndefined();
  });
});
