import { ExecutionContext, HttpStatus } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JsonWebTokenError, TokenExpiredError } from '@nestjs/jwt';
import { AppException, ErrorCode } from '../../common/errors';
import { AuthUser } from '../auth-user';
import { Public } from '../decorators/public.decorator';
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

describe('JwtAuthGuard', () => {
  const guard = new JwtAuthGuard(new Reflector());

  describe('canActivate', () => {
    it('lets a @Public() route through without a token', async () => {
      await expect(Promise.resolve(guard.canActivate(contextFor('open')))).resolves.toBe(true);
    });

    it('refuses a guarded route without a token as TOKEN_MISSING 401', () => {
      const error = errorOf(() => guard.canActivate(contextFor('closed')));

      expect([error.code, error.status]).toEqual([ErrorCode.TOKEN_MISSING, HttpStatus.UNAUTHORIZED]);
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

  describe('handleRequest', () => {
    it('returns the verified user', () => {
      expect(guard.handleRequest(null, alice, undefined)).toBe(alice);
    });

    it('maps an expired token to TOKEN_EXPIRED', () => {
      const info = new TokenExpiredError('jwt expired', new Date());

      expect(errorOf(() => guard.handleRequest(null, false, info)).code).toBe(ErrorCode.TOKEN_EXPIRED);
    });

    it.each([
      ['a bad signature', new JsonWebTokenError('invalid signature')],
      ['no token', new Error('No auth token')],
      ['no info', undefined],
    ])('maps %s to TOKEN_INVALID', (_, info) => {
      const error = errorOf(() => guard.handleRequest(null, false, info));

      expect([error.code, error.status]).toEqual([ErrorCode.TOKEN_INVALID, HttpStatus.UNAUTHORIZED]);
    });

    it('maps an unexpected error to TOKEN_INVALID even with a user', () => {
      expect(errorOf(() => guard.handleRequest(new Error('boom'), alice, undefined)).code).toBe(ErrorCode.TOKEN_INVALID);
    });

    it('rethrows an AppException from the strategy unchanged', () => {
      const revoked = new AppException(ErrorCode.TOKEN_REVOKED, HttpStatus.UNAUTHORIZED, 'The session of this token has ended');

      expect(errorOf(() => guard.handleRequest(revoked, false, undefined))).toBe(revoked);
    });
  });
});
