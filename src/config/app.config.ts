import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration';
import { appUrlOf, publicUrlOf, validatedEnvironment } from './environment';
import { originOf, parseOriginList } from './origins';

export const appConfig = registerAs('app', () => {
  const env = validatedEnvironment();
  const publicUrl = publicUrlOf(env);
  const corsOrigins = parseOriginList(env.CORS_ORIGINS);
  return {
    production: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    swaggerEnabled: env.SWAGGER_ENABLED,
    webPagesEnabled: env.WEB_PAGES_ENABLED,
    publicUrl,
    corsOrigins,
    /** Where a cookie-authenticated request may come from (API.md "Browser sessions"): the service, APP_URL, CORS_ORIGINS. */
    trustedOrigins: [...new Set([originOf(publicUrl), originOf(appUrlOf(env)), ...corsOrigins])].filter(
      (origin): origin is string => origin !== undefined,
    ),
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
