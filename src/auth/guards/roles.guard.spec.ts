import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, ErrorCode } from '../../common/errors';
import { UserRole } from '../../users/user-role';
import { AuthUser, Roles } from '../../common/auth';
import { RolesGuard } from './roles.guard';

class OpenController {
  anyone(): void {}
}

@Roles(UserRole.Admin)
class AdminController {
  adminOnly(): void {}

  @Roles(UserRole.User)
  forUsers(): void {}
}

function contextFor(controller: new () => object, handler: string, user?: Partial<AuthUser>): ExecutionContext {
  return {
    getClass: () => controller,
    getHandler: () => (controller.prototype as Record<string, () => void>)[handler],
    getArgByIndex: () => ({ user }),
  } as unknown as ExecutionContext;
}

const caller = (...roles: UserRole[]): Partial<AuthUser> => ({ userId: 'u1', username: 'alice', roles });

function errorOf(run: () => unknown): AppException {
  try {
    run();
  } catch (error) {
    if (error instanceof AppException) return error;
    throw error;
  }
  throw new Error('expected an AppException');
}

describe('RolesGuard', () => {
  const guard = new RolesGuard(new Reflector(), { requireMfaForAdmins: false });

  it('admits anyone to a route without @Roles', () => {
    expect(guard.canActivate(contextFor(OpenController, 'anyone', caller(UserRole.User)))).toBe(true);
  });

  it('admits a caller holding the class role', () => {
    expect(guard.canActivate(contextFor(AdminController, 'adminOnly', caller(UserRole.User, UserRole.Admin)))).toBe(true);
  });

  it("lets a method's roles override its class's", () => {
    expect(guard.canActivate(contextFor(AdminController, 'forUsers', caller(UserRole.User)))).toBe(true);
  });

  it('refuses a caller without the role as FORBIDDEN 403', () => {
    const error = errorOf(() => guard.canActivate(contextFor(AdminController, 'adminOnly', caller(UserRole.User))));

    expect([error.code, error.status]).toEqual([ErrorCode.FORBIDDEN, 403]);
  });

  it('refuses a request without a user as FORBIDDEN', () => {
    expect(errorOf(() => guard.canActivate(contextFor(AdminController, 'adminOnly'))).code).toBe(ErrorCode.FORBIDDEN);
  });

  describe('with REQUIRE_MFA_FOR_ADMINS', () => {
    const strict = new RolesGuard(new Reflector(), { requireMfaForAdmins: true });
    const admin = (amr: string[]) => ({ ...caller(UserRole.Admin), amr });

    it('refuses an admin token without mfa in amr on admin routes as 403 MFA_ENROLLMENT_REQUIRED', () => {
      const error = errorOf(() => strict.canActivate(contextFor(AdminController, 'adminOnly', admin(['pwd']))));

      expect([error.code, error.status]).toEqual([ErrorCode.MFA_ENROLLMENT_REQUIRED, 403]);
    });

    it('admits an admin token with mfa, and asks nothing on routes that are not for admins', () => {
      expect(strict.canActivate(contextFor(AdminController, 'adminOnly', admin(['pwd', 'otp', 'mfa'])))).toBe(true);
      expect(strict.canActivate(contextFor(AdminController, 'forUsers', { ...caller(UserRole.User), amr: ['pwd'] }))).toBe(true);
    });
  });
});
