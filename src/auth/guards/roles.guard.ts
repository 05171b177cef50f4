import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, ErrorCode } from '../../common/errors';
import { RouteMetadata } from '../../common/metadata/route-metadata';
import { UserRole } from '../../users/user-role';
import { AuthUser, ROLES_KEY } from '../../common/auth';

/** Runs after JwtAuthGuard: a route with `@Roles()` admits only callers holding one of them. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly requiredRoles: RouteMetadata<UserRole[]>;

  constructor(reflector: Reflector) {
    this.requiredRoles = new RouteMetadata(reflector, ROLES_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.requiredRoles.get(context);
    if (!required || required.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (user && required.some((role) => user.roles.includes(role))) return true;
    throw new AppException(ErrorCode.FORBIDDEN);
  }
}
