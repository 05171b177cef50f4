import { registerAs } from '@nestjs/config';
import { readEnvironment } from './environment';

export const appConfig = registerAs('app', () => {
  const env = readEnvironment();
  return {
    production: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    swaggerEnabled: env.SWAGGER_ENABLED,
    corsOrigins: env.CORS_ORIGINS
      ? env.CORS_ORIGINS.split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : [],
    /** Fastify's trustProxy: false, or a hop count (`true` means one hop; trusting every hop lets clients forge their address). */
    trustProxy: env.TRUST_PROXY === 'false' ? false : env.TRUST_PROXY === 'true' ? 1 : Number(env.TRUST_PROXY),
  };
});

export type AppConfig = ReturnType<typeof appConfig>;
