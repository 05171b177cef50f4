import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { APP_GUARD } from '@nestjs/core';
import { AppModule } from './app.module';
import { AuthModule } from './auth/auth.module';
import { IS_PUBLIC_KEY, ROLES_KEY } from './common/auth';
import { JwtAuthGuard } from './auth/guards/jwt-auth.guard';
import { RolesGuard } from './auth/guards/roles.guard';

interface Route {
  controller: string;
  route: string;
  isPublic: boolean;
  roles: string[] | undefined;
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
      // A controller without a path of its own carries '/' itself: its constructor is no route.
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
          isPublic: lookup<boolean>(IS_PUBLIC_KEY) === true,
          roles: lookup<string[]>(ROLES_KEY),
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
      'JwksController',
      'MetricsController',
      'SessionsController',
      'UsersController',
    ]);
  });

  it('guards every route by default: JwtAuthGuard and RolesGuard are global guards', () => {
    const providers = (Reflect.getMetadata(MODULE_METADATA.PROVIDERS, AuthModule) as unknown[]).filter(
      (p): p is { provide: unknown; useExisting: unknown } =>
        typeof p === 'object' && p !== null && (p as { provide?: unknown }).provide === APP_GUARD,
    );

    expect(providers.map((p) => p.useExisting)).toEqual([JwtAuthGuard, RolesGuard]);
  });

  it('makes public exactly register, login, refresh, the CSRF token (it authenticates itself), the mailed-link routes, the JWKS and liveness', () => {
    expect(
      routes
        .filter((r) => r.isPublic)
        .map((r) => r.route)
        .sort(),
    ).toEqual([
      'GET /.well-known/jwks.json',
      'GET /auth/csrf',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'POST /auth/email/verify',
      'POST /auth/login',
      'POST /auth/password/forgot',
      'POST /auth/password/reset',
      'POST /auth/refresh',
      'POST /auth/register',
    ]);
  });

  it('requires the admin role on every /users route but reading one user', () => {
    const users = Object.fromEntries(routes.filter((r) => r.controller === 'UsersController').map((r) => [r.route, r.roles]));

    expect(users).toEqual({
      'GET /users': ['admin'],
      'GET /users/:id': undefined,
      'PATCH /users/:id': ['admin'],
      'DELETE /users/:id': ['admin'],
    });
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
