import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration';
import { validatedEnvironment } from './environment';

export const appConfig = registerAs('app', () => {
  const env = validatedEnvironment();
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
    trustProxy: trustedProxies(env.TRUST_PROXY),
    timeouts: {
      headersMs: parseDurationSeconds(env.HEADERS_TIMEOUT)! * 1000,
      requestMs: parseDurationSeconds(env.REQUEST_TIMEOUT)! * 1000,
      keepAliveMs: parseDurationSeconds(env.KEEP_ALIVE_TIMEOUT)! * 1000,
    },
  };
});

export type AppConfig = ReturnType<typeof appConfig>;

/**
 * Fastify's trustProxy from TRUST_PROXY: `false`; proxy addresses or CIDRs (the safe form: only they may set
 * X-Forwarded-For); or a hop count (`true` is one hop), for a service that is reachable only through its proxies.
 * Trusting every hop would let any client forge its address. Fastify now ignores a bare number, hence the function.
 */
function trustedProxies(setting: string): false | string | ((address: string, hop: number) => boolean) {
  if (setting === 'false') return false;
  if (setting === 'true' || /^\d+$/.test(setting)) {
    const hops = setting === 'true' ? 1 : Number(setting);
    return hops === 0 ? false : (_address, hop) => hop < hops;
  }
  return setting;
}
