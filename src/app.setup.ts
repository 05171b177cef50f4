import { NestApplicationOptions, RequestMethod, VersioningType } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyServerOptions } from 'fastify';
import { AllExceptionsFilter } from './common/errors';
import { registerJsonBodyParser } from './common/http/json-body.parser';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig, authConfig, AuthConfig } from './config';
import { passwordPolicyRule } from './auth/passwords/password-policy';
import helmet from '@fastify/helmet';

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

/** Nest's own body parser is off: configureApp installs the stricter JSON parser below. */
export const NEST_APPLICATION_OPTIONS: NestApplicationOptions = { bodyParser: false };

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy as FastifyServerOptions['trustProxy'],
    logger: false,
  });
}

/** Everything main.ts applies to the app; the e2e tests call the same function, so they test what runs. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  registerJsonBodyParser(app.getHttpAdapter().getInstance());
  await app.register(helmet, { contentSecurityPolicy: { directives: SWAGGER_FRIENDLY_CSP } });
  app.setGlobalPrefix('api', { exclude: OPERATIONAL_ROUTES.map((path) => ({ path, method: RequestMethod.GET })) });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe([passwordPolicyRule(app.get<AuthConfig>(authConfig.KEY).passwordMinLength)]));
  app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost)));
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: false });
  if (config.swaggerEnabled) setUpSwagger(app);
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
