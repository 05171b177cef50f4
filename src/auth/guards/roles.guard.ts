import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { authConfig } from '../../config';
import { AppException, ErrorCode } from '../../common/errors';
import { RouteMetadata } from '../../common/metadata/route-metadata';
import { UserRole } from '../../users/user-role';
import { AuthUser, ROLES_KEY } from '../../common/auth';

/**
 * Runs after JwtAuthGuard: a route with `@Roles()` admits only callers holding one of them. With
 * REQUIRE_MFA_FOR_ADMINS, a route for admins also needs a token issued after a second factor (`mfa` in `amr`).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly requiredRoles: RouteMetadata<UserRole[]>;

  constructor(
    reflector: Reflector,
    @Inject(authConfig.KEY) private readonly config: Pick<ConfigType<typeof authConfig>, 'requireMfaForAdmins'>,
  ) {
    this.requiredRoles = new RouteMetadata(reflector, ROLES_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.requiredRoles.get(context);
    if (!required || required.length === 0) return true;
    const user = context.getArgByIndex<{ user?: AuthUser }>(0).user;
    if (!user || !required.some((role) => user.roles.includes(role))) throw new AppException(ErrorCode.FORBIDDEN);
    if (this.config.requireMfaForAdmins && required.includes(UserRole.Admin) && !user.amr.includes('mfa')) {
      throw new AppException(ErrorCode.MFA_ENROLLMENT_REQUIRED);
    }
    return true;
  }
}
