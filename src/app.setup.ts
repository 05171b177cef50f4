import helmet from '@fastify/helmet';
import { NestApplicationOptions, RequestMethod, VersioningType } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyInstance, FastifyServerOptions, LogController } from 'fastify';
import type { DestinationStream } from 'pino';
import { passwordPolicyRule } from './auth/passwords/password-policy';
import { AllExceptionsFilter } from './common/errors';
import { registerJsonBodyParser } from './common/http/json-body.parser';
import { createRootLogger, currentRequest, PinoNestLogger, requestId } from './common/logging/logger';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig, authConfig, AuthConfig } from './config';
import { isDatabaseUnavailable } from './database/database-errors';
import { MetricsService } from './metrics/metrics.service';

/** API.md: JSON bodies over 100 kB answer 413. */
const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * helmet's default CSP, minus `upgrade-insecure-requests` (it breaks Swagger UI served over plain http in development);
 * Swagger UI loads its scripts and styles from this app only, so nothing from the internet is allowed.
 */
const SWAGGER_FRIENDLY_CSP = {
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

/** Probes and scrapes come every few seconds: counted in metrics, not written to the access log. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/** Nest's own body parser is off: configureApp installs the stricter JSON parser below. Logs wait for pino. */
export const NEST_APPLICATION_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/** Fastify with pino as its logger (JSON lines, request ids, redaction); `logDestination` lets tests read the lines. */
export function createFastifyAdapter(config: AppConfig, logDestination?: DestinationStream): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy as FastifyServerOptions['trustProxy'],
    loggerInstance: createRootLogger(config.logLevel, logDestination),
    // One access-log line per response comes from our onResponse hook, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestId,
  });
}

/** Everything main.ts applies to the app; the e2e tests call the same function, so they test what runs. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  app.useLogger(new PinoNestLogger(fastify.log));
  registerRequestHooks(fastify, metrics);
  registerJsonBodyParser(fastify);
  await app.register(helmet, { contentSecurityPolicy: { directives: SWAGGER_FRIENDLY_CSP } });
  app.setGlobalPrefix('api', { exclude: OPERATIONAL_ROUTES.map((path) => ({ path, method: RequestMethod.GET })) });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe([passwordPolicyRule(app.get<AuthConfig>(authConfig.KEY).passwordMinLength)]));
  app.useGlobalFilters(
    new AllExceptionsFilter(app.get(HttpAdapterHost), {
      onTokenRejected: (code) => metrics.countTokenRejection(code),
      isUnavailable: isDatabaseUnavailable,
    }),
  );
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: false });
  if (config.swaggerEnabled) setUpSwagger(app);
}

/** Request id out (X-Request-Id) and into every log line of the request; one access-log line and metrics per response. */
function registerRequestHooks(fastify: FastifyInstance, metrics: MetricsService): void {
  // On SIGTERM the server stops accepting, but a keep-alive connection that was busy at that moment would hold the
  // shutdown open forever: once its response is out, it is closed.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    currentRequest.run({ log: request.log, ip: request.ip }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (!QUIET_ROUTES.has(route)) {
      request.log.info(
        { method: request.method, route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    }
    if (closing) request.raw.socket?.end();
    done();
  });
}

function setUpSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gatehouse')
      .setDescription('Authentication and users: JWT access tokens, single-use refresh tokens, sessions and roles.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addSecurityRequirements('bearer')
      .build(),
    { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '').toLowerCase()}_${method}` },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
}
