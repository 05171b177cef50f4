/**
 * The route-access vocabulary of every feature's controllers: who the caller is (`AuthUser`, `@CurrentUser()`) and
 * what a route admits (`@Public()`, `@Roles()`, `@RequireRecentAuth()`). It lives here, not in auth/, because features must not import auth/;
 * the guards that enforce it stay in auth/guards/.
 */
export type { AuthUser } from './auth-user';
export { CurrentUser } from './current-user.decorator';
export { IS_PUBLIC_KEY, Public, type PublicAccess } from './public.decorator';
export { RECENT_AUTH_KEY, RequireRecentAuth } from './recent-auth.decorator';
export { Roles, ROLES_KEY } from './roles.decorator';
