import { ExecutionContext, HttpStatus } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, ErrorCode } from '../../common/errors';
import { AuthUser } from '../auth-user';
import { Public } from '../decorators/public.decorator';
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

async function errorOf(run: () => Promise<unknown>): Promise<AppException> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppException) return error;
    throw error;
  }
  throw new Error('expected an AppException');
}

const alice: AuthUser = { userId: 'u1', username: 'alice', roles: [], sessionId: 's1', tokenId: 't1' };
const revoked = new AppException(ErrorCode.TOKEN_REVOKED, HttpStatus.UNAUTHORIZED, 'The session of this token has ended');

/** The strategy's verification, faked: 'good' is alice, anything else is refused. */
const strategy = {
  validate: (token: string) => (token === 'good' ? Promise.resolve(alice) : Promise.reject(revoked)),
} as unknown as JwtStrategy;

describe('JwtAuthGuard', () => {
  const guard = new JwtAuthGuard(new Reflector(), strategy);

  describe('canActivate', () => {
    it('lets a @Public() route through without a token', async () => {
      await expect(Promise.resolve(guard.canActivate(contextFor('open')))).resolves.toBe(true);
    });

    it('refuses a guarded route without a token as TOKEN_MISSING 401', async () => {
      const error = await errorOf(() => guard.canActivate(contextFor('closed')));

      expect([error.code, error.status]).toEqual([ErrorCode.TOKEN_MISSING, HttpStatus.UNAUTHORIZED]);
    });

    it('refuses a non-bearer Authorization header as TOKEN_MISSING', async () => {
      expect((await errorOf(() => guard.canActivate(contextFor('closed', { authorization: 'Basic dXNlcjpwYXNz' })))).code).toBe(
        ErrorCode.TOKEN_MISSING,
      );
    });

    it('refuses an oversized token as TOKEN_INVALID before verifying it', async () => {
      const headers = { authorization: `Bearer ${'a'.repeat(10_000)}` };

      expect((await errorOf(() => guard.canActivate(contextFor('closed', headers)))).code).toBe(ErrorCode.TOKEN_INVALID);
    });
  });

  describe('with a token', () => {
    it('puts the verified caller on the request', async () => {
      const request = { headers: { authorization: 'Bearer good' } } as { headers: Record<string, string>; user?: AuthUser };
      const context = { ...contextFor('closed'), switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;

      await expect(guard.canActivate(context)).resolves.toBe(true);
      expect(request.user).toBe(alice);
    });

    it("passes the strategy's refusal on unchanged", async () => {
      await expect(guard.canActivate(contextFor('closed', { 'x-access-token': 'revoked' }))).rejects.toBe(revoked);
    });
  });
});
