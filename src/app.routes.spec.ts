import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { APP_GUARD } from '@nestjs/core';
import { AppModule } from './app.module';
import { AuthModule } from './auth/auth.module';
import { IS_PUBLIC_KEY, PublicAccess, RECENT_AUTH_KEY, ROLES_KEY } from './common/auth';
import { AccessGuard } from './auth/guards/access.guard';

interface Route {
  controller: string;
  route: string;
  isPublic: boolean;
  tokenOptional: boolean;
  roles: string[] | undefined;
  recent: boolean;
}

/** Every controller of every module reachable from `root`, static or dynamic. */
function controllersOf(root: Type<unknown>): Type<unknown>[] {
  const seen = new Set<unknown>();
  const controllers = new Set<Type<unknown>>();
  const visit = (entry: unknown): void => {
    const moduleClass = typeof entry === 'function' ? entry : (entry as { module?: unknown } | undefined)?.module;
    if (!moduleClass || seen.has(entry)) return;
    seen.add(entry);
    const dynamic = typeof entry === 'function' ? {} : (entry as { controllers?: Type<unknown>[]; imports?: unknown[] });
    const read = (key: string): unknown[] => (Reflect.getMetadata(key, moduleClass) as unknown[] | undefined) ?? [];
    for (const controller of [...read(MODULE_METADATA.CONTROLLERS), ...(dynamic.controllers ?? [])])
      controllers.add(controller as Type<unknown>);
    for (const imported of [...read(MODULE_METADATA.IMPORTS), ...(dynamic.imports ?? [])]) visit(imported);
  };
  visit(root);
  return [...controllers];
}

const join = (...parts: string[]) =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;

/** The metadata a handler resolves to, read as the global guards read it: the method's value wins over the class's. */
function routesOf(controller: Type<unknown>): Route[] {
  const prototype = controller.prototype as Record<string, unknown>;
  const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
  return (
    Object.getOwnPropertyNames(prototype)
      // The constructor is the class itself, which carries the controller's path too.
      .filter((name) => name !== 'constructor')
      .map((name) => prototype[name])
      .filter((handler): handler is object => typeof handler === 'function' && Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
      .map((handler) => {
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const lookup = <T>(key: string): T | undefined =>
          (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller)) as T | undefined;
        return {
          controller: controller.name,
          route: `${method} ${join(base, Reflect.getMetadata(PATH_METADATA, handler) as string)}`,
          isPublic: lookup<PublicAccess>(IS_PUBLIC_KEY) !== undefined,
          tokenOptional: lookup<PublicAccess>(IS_PUBLIC_KEY) === 'token-optional',
          roles: lookup<string[]>(ROLES_KEY),
          recent: lookup<boolean>(RECENT_AUTH_KEY) === true,
        };
      })
  );
}

const routes = controllersOf(AppModule).flatMap(routesOf);

describe('route inventory', () => {
  it('finds every controller of the app', () => {
    expect(
      controllersOf(AppModule)
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      'AccountRecoveryController',
      'AuditEventsController',
      'AuthController',
      'BrowserSessionsController',
      'HealthController',
      'IdentitiesController',
      'JwksController',
      'MetricsController',
      'MfaAdminController',
      'MfaController',
      'MfaLoginController',
      'OidcController',
      'PasskeyLoginController',
      'PasskeysController',
      'SessionsController',
      'StepUpController',
      'UsersController',
    ]);
  });

  it('guards every route by default: AccessGuard, which runs JwtAuthGuard, RolesGuard and RecentAuthGuard, is the one global guard', () => {
    const providers = (Reflect.getMetadata(MODULE_METADATA.PROVIDERS, AuthModule) as unknown[]).filter(
      (p): p is { provide: unknown; useExisting: unknown } =>
        typeof p === 'object' && p !== null && (p as { provide?: unknown }).provide === APP_GUARD,
    );

    expect(providers.map((p) => p.useExisting)).toEqual([AccessGuard]);
  });

  it('makes public exactly register, login and its second step, refresh, the CSRF token (it authenticates itself), the mailed-link routes, the sign-in with a provider (but linking) or a passkey, the JWKS and liveness', () => {
    expect(
      routes
        .filter((r) => r.isPublic)
        .map((r) => r.route)
        .sort(),
    ).toEqual([
      'GET /.well-known/jwks.json',
      'GET /auth/csrf',
      'GET /auth/oidc/:provider/callback',
      'GET /auth/oidc/:provider/start',
      'GET /auth/oidc/providers',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'POST /auth/email/verify',
      'POST /auth/login',
      'POST /auth/mfa/verify',
      'POST /auth/oidc/exchange',
      'POST /auth/passkeys/authentication/options',
      'POST /auth/passkeys/authentication/verify',
      'POST /auth/password/forgot',
      'POST /auth/password/reset',
      'POST /auth/refresh',
      'POST /auth/register',
    ]);
  });

  it('reads an optional token on exactly the passkey options, which serve a step-up too', () => {
    expect(routes.filter((r) => r.tokenOptional).map((r) => r.route)).toEqual(['POST /auth/passkeys/authentication/options']);
  });

  it('requires the admin role on every /users route but reading one user, whichever module serves it', () => {
    const users = Object.fromEntries(routes.filter((r) => r.route.split(' ')[1].startsWith('/users')).map((r) => [r.route, r.roles]));

    expect(users).toEqual({
      'GET /users': ['admin'],
      'GET /users/:id': undefined,
      'PATCH /users/:id': ['admin'],
      'DELETE /users/:id': ['admin'],
      'GET /users/:id/sessions': ['admin'],
      'DELETE /users/:id/sessions': ['admin'],
      'GET /users/:id/mfa': ['admin'],
      'DELETE /users/:id/mfa': ['admin'],
    });
  });

  it("asks a recent authentication (step-up) on exactly API.md's sensitive routes", () => {
    expect(
      routes
        .filter((r) => r.recent)
        .map((r) => r.route)
        .sort(),
    ).toEqual([
      'DELETE /auth/identities/:id',
      'DELETE /auth/mfa/totp',
      'DELETE /auth/passkeys/:id',
      'POST /auth/mfa/recovery-codes',
      'POST /auth/mfa/totp',
      'POST /auth/oidc/:provider/link',
      'POST /auth/passkeys/registration/options',
    ]);
  });

  it('puts no step-up requirement on a public route (a public route has no token to judge)', () => {
    expect(routes.filter((r) => r.isPublic && r.recent)).toEqual([]);
  });

  it("reads the audit trail only: admins any user's events, everyone else their own, and no route changes an event", () => {
    const audit = Object.fromEntries(
      routes.filter((r) => r.controller === 'AuditEventsController').map((r) => [r.route, [r.isPublic, r.roles]]),
    );

    expect(audit).toEqual({
      'GET /audit-events': [false, ['admin']],
      'GET /auth/events': [false, undefined],
    });
  });

  it('puts no role requirement on a public route', () => {
    expect(routes.filter((r) => r.isPublic && r.roles !== undefined)).toEqual([]);
  });
});
