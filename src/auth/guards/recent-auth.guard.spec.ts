import { ExecutionContext } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthUser, RequireRecentAuth } from '../../common/auth';
import { AppException, ErrorCode } from '../../common/errors';
import { authConfig } from '../../config';
import { isRecentAuthentication, RecentAuthGuard } from './recent-auth.guard';

class Routes {
  @RequireRecentAuth()
  sensitive(): void {}

  ordinary(): void {}
}

const MAX_AGE = 300;
const now = () => Math.floor(Date.now() / 1000);
const caller = (overrides: Partial<AuthUser>): AuthUser => ({
  userId: 'u1',
  username: 'alice',
  roles: [],
  sessionId: 's1',
  tokenId: 't1',
  amr: ['pwd'],
  authTime: now(),
  secondFactor: false,
  via: 'header',
  ...overrides,
});

function contextFor(handler: keyof Routes, user?: AuthUser): ExecutionContext {
  return {
    getClass: () => Routes,
    getHandler: () => Routes.prototype[handler],
    getArgByIndex: () => ({ user }),
  } as unknown as ExecutionContext;
}

describe('RecentAuthGuard', () => {
  const guard = new RecentAuthGuard(new Reflector(), { stepUpMaxAgeSeconds: MAX_AGE } as ConfigType<typeof authConfig>);

  it('lets any caller through a route without the requirement', () => {
    expect(guard.canActivate(contextFor('ordinary', caller({ authTime: 0 })))).toBe(true);
  });

  it('admits a fresh password session of a user without a second factor, and a fresh mfa session of one with', () => {
    expect(guard.canActivate(contextFor('sensitive', caller({})))).toBe(true);
    expect(guard.canActivate(contextFor('sensitive', caller({ secondFactor: true, amr: ['pwd', 'otp', 'mfa'] })))).toBe(true);
  });

  it.each([
    ['an authentication older than STEP_UP_MAX_AGE', caller({ authTime: now() - MAX_AGE - 5 })],
    ['a password alone for a user with a second factor', caller({ secondFactor: true })],
    ['a token without auth_time (signed before it existed)', caller({ authTime: 0, amr: [] })],
  ])('answers 401 STEP_UP_REQUIRED with the RFC 9470 challenge for %s', (_name, user) => {
    let error: unknown;
    try {
      guard.canActivate(contextFor('sensitive', user));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).code).toBe(ErrorCode.STEP_UP_REQUIRED);
    expect((error as AppException).headers['WWW-Authenticate']).toBe(
      'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300',
    );
  });

  it('counts the age to the second', () => {
    const t = 1_800_000_000;
    expect(isRecentAuthentication({ amr: ['pwd'], authTime: t, secondFactor: false }, MAX_AGE, (t + MAX_AGE) * 1000)).toBe(true);
    expect(isRecentAuthentication({ amr: ['pwd'], authTime: t, secondFactor: false }, MAX_AGE, (t + MAX_AGE + 1) * 1000)).toBe(false);
  });
});
