import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, ErrorCode, TokenException } from '../../common/errors';
import { AuthUser, Public } from '../../common/auth';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { JwtAuthGuard } from './jwt-auth.guard';

class RoutesController {
  @Public()
  open(): void {}

  closed(): void {}
}

function contextFor(handler: keyof RoutesController, headers: Record<string, string> = {}): ExecutionContext {
  return {
    getClass: () => RoutesController,
    getHandler: () => RoutesController.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ headers }), getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

function errorOf(run: () => unknown): AppException {
  try {
    run();
  } catch (error) {
    if (error instanceof AppException) return error;
    throw error;
  }
  throw new Error('expected an AppException');
}

const alice: AuthUser = { userId: 'u1', username: 'alice', roles: [], sessionId: 's1', tokenId: 't1' };
const revoked = new TokenException(ErrorCode.TOKEN_REVOKED);

/** The strategy's verification, faked: 'good' is alice, anything else is refused. */
const strategy = {
  validate: (token: string) => {
    if (token === 'good') return alice;
    throw revoked;
  },
} as unknown as JwtStrategy;

describe('JwtAuthGuard', () => {
  const guard = new JwtAuthGuard(new Reflector(), strategy);

  describe('canActivate', () => {
    it('lets a @Public() route through without a token', () => {
      expect(guard.canActivate(contextFor('open'))).toBe(true);
    });

    it('refuses a guarded route without a token as TOKEN_MISSING', () => {
      const error = errorOf(() => guard.canActivate(contextFor('closed')));

      expect(error.code).toBe(ErrorCode.TOKEN_MISSING);
    });

    it('refuses a non-bearer Authorization header as TOKEN_MISSING', () => {
      expect(errorOf(() => guard.canActivate(contextFor('closed', { authorization: 'Basic dXNlcjpwYXNz' }))).code).toBe(
        ErrorCode.TOKEN_MISSING,
      );
    });

    it('refuses an oversized token as TOKEN_INVALID before verifying it', () => {
      const headers = { authorization: `Bearer ${'a'.repeat(10_000)}` };

      expect(errorOf(() => guard.canActivate(contextFor('closed', headers))).code).toBe(ErrorCode.TOKEN_INVALID);
    });
  });

  describe('with a token', () => {
    it('puts the verified caller on the request, without a promise to await', () => {
      const request = { headers: { authorization: 'Bearer good' } } as { headers: Record<string, string>; user?: AuthUser };
      const context = { ...contextFor('closed'), switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;

      expect(guard.canActivate(context)).toBe(true);
      expect(request.user).toBe(alice);
    });

    it("passes the strategy's refusal on unchanged", () => {
      expect(() => guard.canActivate(contextFor('closed', { 'x-access-token': 'revoked' }))).toThrow(revoked);
    });
  });
});
