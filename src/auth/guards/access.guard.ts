import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, PublicAccess, RECENT_AUTH_KEY, ROLES_KEY } from '../../common/auth';
import { PerRoute } from '../../common/metadata/route-metadata';
import { UserRole } from '../../users/user-role';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RecentAuthGuard } from './recent-auth.guard';
import { RolesGuard } from './roles.guard';

/** A check after the token's: each answers true or throws the error code of the rule that failed. */
interface AccessCheck {
  canActivate(context: ExecutionContext): boolean;
}

/** What a route asks of its caller, read off its decorators. */
interface RouteAccess {
  access: PublicAccess | undefined;
  after: readonly AccessCheck[];
}

/**
 * The one global guard (deny by default): JwtAuthGuard's check on every route (a token unless `@Public()`), then
 * RolesGuard where a route has `@Roles()` and RecentAuthGuard where it has `@RequireRecentAuth()`, in API.md's order.
 * What a route needs is worked out once per route: as three global guards they cost every request three turns of
 * Nest's guard loop and three metadata lookups, where most routes need only the first.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly routes: PerRoute<RouteAccess>;

  constructor(
    reflector: Reflector,
    private readonly authentication: JwtAuthGuard,
    roles: RolesGuard,
    recency: RecentAuthGuard,
  ) {
    this.routes = new PerRoute((handler, type) => {
      const targets = [handler as () => void, type];
      const after: AccessCheck[] = [];
      if (reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets)?.length) after.push(roles);
      if (reflector.getAllAndOverride<boolean | undefined>(RECENT_AUTH_KEY, targets)) after.push(recency);
      return { access: reflector.getAllAndOverride<PublicAccess | undefined>(IS_PUBLIC_KEY, targets), after };
    });
  }

  // Synchronous on purpose, as its checks are: Nest awaits a guard that returns a promise, at a cost on every request.
  canActivate(context: ExecutionContext): boolean {
    const route = this.routes.get(context);
    if (!this.authentication.admit(context.getArgByIndex(0), route.access)) return false;
    for (const check of route.after) if (!check.canActivate(context)) return false;
    return true;
  }
}
