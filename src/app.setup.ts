import { NestApplicationOptions, RequestMethod, VersioningType } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyInstance, FastifyServerOptions, LogController, onResponseHookHandler } from 'fastify';
import type { DestinationStream } from 'pino';
import { createAppValidationPipe } from './auth/passwords/password-policy';
import { AllExceptionsFilter } from './common/errors';
import { ErrorResponseDto, finishDocument } from './common/openapi';
import { registerCors } from './common/http/cors';
import { edgeErrorHandlers, UNMATCHED_ROUTE } from './common/http/edge-errors';
import { registerJsonBodyParser } from './common/http/json-body.parser';
import { API_HEADERS, securityHeaders } from './common/http/security-headers';
import { createRootLogger, PinoNestLogger, requestId } from './common/logging/logger';
import { AppConfig, authConfig, AuthConfig } from './config';
import { isDatabaseUnavailable } from './database/database-errors';
import { MetricsService } from './metrics/metrics.service';
import { PAGE_HEADERS, PAGE_URL_PREFIXES, registerWebPages } from './web/web-pages';

/** API.md: JSON bodies over 100 kB answer 413. */
const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Swagger UI's CSP: helmet's default, minus `upgrade-insecure-requests` (it breaks Swagger UI served over plain http in
 * development); Swagger UI loads its scripts and styles from this app only, so nothing from the internet is allowed.
 */
const SWAGGER_UI_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  upgradeInsecureRequests: null,
};

/** Operational routes stay outside `/api/v1`. */
const OPERATIONAL_ROUTES = ['health/live', 'health/ready', 'metrics', '.well-known/jwks.json'];

/** Where Swagger UI lives: /docs, its assets, and /docs-json. */
const SWAGGER_PATH = 'docs';
const SWAGGER_URL_PREFIX = `/${SWAGGER_PATH}`;

/** Swagger UI is a rendered page: it gets helmet's full set. */
const SWAGGER_UI_HEADERS = securityHeaders({ contentSecurityPolicy: { directives: SWAGGER_UI_CSP } });

/** JSON gets the API set; Swagger UI and the web pages, which render, get helmet's full set with their own CSP. */
function headersFor(url: string): Readonly<Record<string, string>> {
  if (url.startsWith('/api/')) return API_HEADERS;
  if (url.startsWith(SWAGGER_URL_PREFIX)) return SWAGGER_UI_HEADERS;
  return PAGE_URL_PREFIXES.some((prefix) => url.startsWith(prefix)) ? PAGE_HEADERS : API_HEADERS;
}

/** Nest's own body parser is off: configureApp installs the stricter JSON parser below. Logs wait for pino. */
export const NEST_APPLICATION_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/**
 * Fastify with pino as its logger (JSON lines, request ids, redaction); `logDestination` lets tests read the lines.
 * Slow clients are cut off (408) by Node's own timers, which Fastify turns off by default: a body trickled a byte at
 * a time would otherwise hold its connection for ever. Node checks them every `connectionsCheckingInterval`, so that
 * is kept well under the shortest.
 */
export function createFastifyAdapter(config: AppConfig, logDestination?: DestinationStream): FastifyAdapter {
  const { headersMs, requestMs, keepAliveMs } = config.timeouts;
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    http: { headersTimeout: headersMs, connectionsCheckingInterval: Math.min(1000, headersMs / 4) },
    ...edgeErrorHandlers(API_HEADERS),
    trustProxy: config.trustProxy as FastifyServerOptions['trustProxy'],
    loggerInstance: createRootLogger(config.logLevel, logDestination),
    // One access-log line per response comes from our onResponse hook, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestId,
  });
}

/** Everything main.ts applies to the app; the e2e tests call the same function, so they test what runs. */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  app.useLogger(new PinoNestLogger(fastify.log));
  registerRequestHooks(fastify, metrics);
  fastify.decorate('edgeErrorCounter', metrics.requests);
  registerJsonBodyParser(fastify);
  app.setGlobalPrefix('api', { exclude: OPERATIONAL_ROUTES.map((path) => ({ path, method: RequestMethod.GET })) });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createAppValidationPipe(app.get<AuthConfig>(authConfig.KEY).passwordMinLength));
  app.useGlobalFilters(
    new AllExceptionsFilter(app.get(HttpAdapterHost), {
      onTokenRejected: (code) => metrics.countTokenRejection(code),
      isUnavailable: isDatabaseUnavailable,
    }),
  );
  registerCors(fastify, config.corsOrigins);
  if (config.swaggerEnabled) setUpSwagger(app);
  if (config.webPagesEnabled) registerWebPages(fastify);
}

/** Request id out (X-Request-Id) and into every log line of the request; metrics per response, and a log line per failure. */
function registerRequestHooks(fastify: FastifyInstance, metrics: MetricsService): void {
  // On SIGTERM the server stops accepting, but a keep-alive connection that was busy at that moment would hold the
  // shutdown open forever: once its response is out, it is closed.
  let closing = false;
  const debugEnabled = ['debug', 'trace'].includes(fastify.log.level);
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headersFor(request.url)).header('X-Request-Id', request.id);
    done();
  });
  // Each route finds its metric series once, as it is registered, so that counting a request costs no lookup by name.
  fastify.addHook('onRoute', (route) => {
    const requests = metrics.requests.forRoute(String(route.method), route.url);
    const count: onResponseHookHandler = (_request, reply, done) => {
      requests.record(reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [...[route.onResponse ?? []].flat(), count];
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? UNMATCHED_ROUTE : undefined;
    if (route) metrics.requests.forRoute(request.method, route).record(reply.statusCode, reply.elapsedTime / 1000);
    // The log gets failures at info and successes only at debug, so the hot path does not serialize and write a line
    // per request (it measurably costs guarded throughput); every request is in the metrics.
    if (reply.statusCode >= 400 || debugEnabled) {
      request.log[reply.statusCode >= 400 ? 'info' : 'debug'](
        {
          method: request.method,
          route: route ?? request.routeOptions.url,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    if (closing) request.raw.socket?.end();
    done();
  });
}

/** The tags of Swagger UI, in this order. */
const OPENAPI_TAGS: [name: string, description: string][] = [
  ['auth', 'Register, log in, refresh, log out; the caller and their password'],
  ['mfa', "The caller's second factor (TOTP, recovery codes) and the login's second step"],
  ['passkeys', "WebAuthn passkeys: the caller's own, and signing in with one (passwordless or as a second factor)"],
  ['sessions', "The caller's sessions (one per login)"],
  ['identity providers', 'Sign in with an OpenID Connect provider; link and unlink its identities'],
  ['users', 'User administration (role `admin`; a user may read themselves)'],
  ['audit', "The audit trail (admins) and the caller's own security events"],
  ['health', 'Liveness, readiness and Prometheus metrics'],
  ['keys', 'Public keys for verifying access tokens'],
];

/**
 * Swagger UI at /docs and the OpenAPI 3 document at /docs-json. Every operation needs the bearer token unless it is
 * `@Public()`: "Authorize" with the `accessToken` of POST /api/v1/auth/login makes every guarded "Try it out" work.
 */
function setUpSwagger(app: NestFastifyApplication): void {
  const builder = new DocumentBuilder()
    .setTitle('Gatehouse')
    .setDescription(
      'Authentication and users: JWT access tokens, single-use refresh tokens, sessions and roles.\n\n' +
        'Log in with `POST /api/v1/auth/login`, press **Authorize** and paste the `accessToken` (without "Bearer"). ' +
        'Every error answers `{ statusCode, code, message, error }` with a stable `code`.\n\n' +
        'Browser apps send `X-Token-Transport: cookie` on login and refresh to get HttpOnly cookies instead of tokens, ' +
        'and `X-CSRF-Token` on every cookie-authenticated POST, PATCH and DELETE (see the README, "Browser apps").',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'This server')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The `accessToken` of POST /api/v1/auth/login' },
      'bearer',
    )
    .addSecurityRequirements('bearer');
  for (const [name, description] of OPENAPI_TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ErrorResponseDto],
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '').toLowerCase()}_${method}`,
  });
  SwaggerModule.setup(SWAGGER_PATH, app, finishDocument(document), {
    jsonDocumentUrl: `${SWAGGER_PATH}-json`,
    swaggerOptions: { persistAuthorization: true, displayOperationId: true, displayRequestDuration: true },
  });
}
