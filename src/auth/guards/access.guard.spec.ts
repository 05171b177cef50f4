import { jest } from '@jest/globals';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public, RequireRecentAuth, Roles } from '../../common/auth';
import { AppException, ErrorCode } from '../../common/errors';
import { UserRole } from '../../users/user-role';
import { AccessGuard } from './access.guard';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RecentAuthGuard } from './recent-auth.guard';
import { RolesGuard } from './roles.guard';

class PlainController {
  plain(): void {}

  @Public()
  open(): void {}

  @RequireRecentAuth()
  sensitive(): void {}
}

@Roles(UserRole.Admin)
class AdminController {
  list(): void {}

  @RequireRecentAuth()
  remove(): void {}
}

const request = { headers: {} };
const contextFor = (type: new () => object, handler: string): ExecutionContext =>
  ({
    getClass: () => type,
    getHandler: () => (type.prototype as Record<string, () => void>)[handler],
    getArgByIndex: () => request,
  }) as unknown as ExecutionContext;

/** Stand-ins for the three guards that record which ran, in order; `refuse` makes one throw as a failed rule does. */
function guardWith(refuse?: 'roles' | 'recency') {
  const ran: string[] = [];
  const check = (name: string) => ({
    canActivate: () => {
      ran.push(name);
      if (name === refuse) throw new AppException(ErrorCode.FORBIDDEN);
      return true;
    },
  });
  const authentication = {
    admit: (to: unknown, access: unknown) => {
      expect(to).toBe(request);
      ran.push(access === true ? 'authentication (public)' : 'authentication');
      return true;
    },
  };
  const guard = new AccessGuard(
    new Reflector(),
    authentication as unknown as JwtAuthGuard,
    check('roles') as unknown as RolesGuard,
    check('recency') as unknown as RecentAuthGuard,
  );
  return { guard, ran };
}

describe('AccessGuard', () => {
  it('runs only the token check on a route without roles or a recency rule, and on a public one (it admits those itself)', () => {
    const { guard, ran } = guardWith();
    expect(guard.canActivate(contextFor(PlainController, 'plain'))).toBe(true);
    expect(guard.canActivate(contextFor(PlainController, 'open'))).toBe(true);
    expect(ran).toEqual(['authentication', 'authentication (public)']);
  });

  it('adds the roles check where the class or method has @Roles(), and the recency check after it', () => {
    const { guard, ran } = guardWith();
    guard.canActivate(contextFor(AdminController, 'list'));
    expect(ran).toEqual(['authentication', 'roles']);
    ran.length = 0;
    guard.canActivate(contextFor(AdminController, 'remove'));
    expect(ran).toEqual(['authentication', 'roles', 'recency']);
    ran.length = 0;
    guard.canActivate(contextFor(PlainController, 'sensitive'));
    expect(ran).toEqual(['authentication', 'recency']);
  });

  it('stops at the first check that refuses, with its error', () => {
    const { guard, ran } = guardWith('roles');
    expect(() => guard.canActivate(contextFor(AdminController, 'remove'))).toThrow(AppException);
    expect(ran).toEqual(['authentication', 'roles']);
  });

  it("reads a route's decorators once, not on every request", () => {
    const reflector = new Reflector();
    const reads = jest.spyOn(reflector, 'getAllAndOverride');
    const pass = { canActivate: () => true, admit: () => true };
    const guard = new AccessGuard(
      reflector,
      pass as unknown as JwtAuthGuard,
      pass as unknown as RolesGuard,
      pass as unknown as RecentAuthGuard,
    );
    for (let i = 0; i < 3; i++) guard.canActivate(contextFor(AdminController, 'list'));
    expect(reads).toHaveBeenCalledTimes(3);
  });
});
