import { existsSync } from 'node:fs';
import { OidcProviderSettings, readOidcProviders } from './oidc-providers';
import { originListProblems } from './origins';
import { webAuthnProblems } from './webauthn';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { parseDurationSeconds } from './duration';

/** Seconds or a number with a unit; never zero. */
const DURATION = /^\s*0*[1-9]\d{0,8}[smhd]?\s*$/;
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' || value === '' ? false : value;

/**
 * Every variable Gatehouse reads, with its default. This is the only place that knows variable names;
 * the typed namespaces in this folder are built from a validated instance of it.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, { message: 'DATABASE_URL must be sqlite:<file>, sqlite::memory: or postgres://…' })
  DATABASE_URL = 'sqlite:data/gatehouse.sqlite';

  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string = undefined;

  @IsIn(['HS256', 'RS256', 'ES256', 'EdDSA'])
  JWT_ALG: 'HS256' | 'RS256' | 'ES256' | 'EdDSA' = 'HS256';

  @ValidateIf((env: Environment) => env.JWT_SECRET !== undefined || (env.NODE_ENV === 'production' && env.JWT_ALG === 'HS256'))
  @IsString({ message: 'JWT_SECRET is required in production (at least 32 bytes of random data)' })
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters (256 bits)' })
  JWT_SECRET?: string = undefined;

  @IsOptional()
  @IsString()
  JWT_PRIVATE_KEY_FILE?: string = undefined;

  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY_FILES?: string = undefined;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'gatehouse';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'gatehouse-api';

  @Matches(DURATION, { message: 'ACCESS_TOKEN_TTL must be seconds or a duration such as 15m' })
  ACCESS_TOKEN_TTL = '15m';

  @Matches(DURATION, { message: 'REFRESH_TOKEN_TTL must be seconds or a duration such as 7d' })
  REFRESH_TOKEN_TTL = '7d';

  @Transform(toInt)
  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_COST = 12;

  @Transform(toInt)
  @IsInt()
  @Min(8)
  @Max(64)
  PASSWORD_MIN_LENGTH = 12;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_LOCK_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  AUTH_RATE_LIMIT_PER_MINUTE = 60;

  @IsOptional()
  @IsString()
  ADMIN_USERNAME?: string = undefined;

  @IsOptional()
  @IsEmail()
  ADMIN_EMAIL?: string = undefined;

  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string = undefined;

  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string = undefined;

  @IsString()
  @MaxLength(254)
  MAIL_FROM = 'no-reply@localhost';

  /** Unset: Gatehouse's own /account page, `PUBLIC_URL/account` (appUrlOf). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  APP_URL?: string = undefined;

  @Transform(toBool)
  @IsBoolean()
  REQUIRE_EMAIL_VERIFICATION = false;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  REVOCATION_POLL_SECONDS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  REFRESH_REUSE_GRACE_SECONDS = 10;

  /** How old a session's last authentication may be for the routes that need a recent one (RFC 9470 step-up). */
  @Matches(DURATION, { message: 'STEP_UP_MAX_AGE must be seconds or a duration such as 5m' })
  STEP_UP_MAX_AGE = '5m';

  /** 32 random bytes (base64url, base64 or hex) that encrypt TOTP secrets; checked in validateEnvironment. */
  @IsOptional()
  @IsString()
  DATA_ENCRYPTION_KEY?: string = undefined;

  @Transform(toBool)
  @IsBoolean()
  REQUIRE_MFA_FOR_ADMINS = false;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string = undefined;

  /** Unset: `http://localhost:<PORT>` (appConfig). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_URL?: string = undefined;

  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F:.,/ ]+)$/, {
    message: 'TRUST_PROXY must be false, true, a hop count or proxy addresses (CIDR allowed)',
  })
  TRUST_PROXY = 'false';

  /** How long a client may take to send a request's headers: a slowloris client is cut off with 408. */
  @Matches(DURATION, { message: 'HEADERS_TIMEOUT must be seconds or a duration such as 10s' })
  HEADERS_TIMEOUT = '10s';

  /** How long a client may take to send a whole request, headers and body: a trickled body ends with 408 too. */
  @Matches(DURATION, { message: 'REQUEST_TIMEOUT must be seconds or a duration such as 30s' })
  REQUEST_TIMEOUT = '30s';

  /** How long an idle keep-alive connection stays open between requests; above a load balancer's own idle timeout. */
  @Matches(DURATION, { message: 'KEEP_ALIVE_TIMEOUT must be seconds or a duration such as 72s' })
  KEEP_ALIVE_TIMEOUT = '72s';

  @Transform(toBool)
  @IsBoolean()
  SWAGGER_ENABLED = true;

  /** The /account and /admin pages (src/web). */
  @Transform(toBool)
  @IsBoolean()
  WEB_PAGES_ENABLED = true;

  /** Identity providers, e.g. `corp,google`; each has its `OIDC_<ID>_*` variables (oidc-providers.ts). */
  @IsOptional()
  @IsString()
  OIDC_PROVIDERS?: string = undefined;

  /** The WebAuthn relying party: a registrable suffix of every WEBAUTHN_ORIGINS host. Unset: APP_URL's host. */
  @IsOptional()
  @Matches(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, {
    message: 'WEBAUTHN_RP_ID must be a lower-case host name such as example.com (no scheme, port or path)',
  })
  WEBAUTHN_RP_ID?: string = undefined;

  /** The name authenticators show beside the passkey. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  WEBAUTHN_RP_NAME = 'Gatehouse';

  /** The origins whose pages may run passkey ceremonies, comma-separated. Unset: APP_URL's origin. */
  @IsOptional()
  @IsString()
  WEBAUTHN_ORIGINS?: string = undefined;

  /** Audit events older than this many days are pruned. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36500)
  AUDIT_RETENTION_DAYS = 365;

  /** Where every audit event is POSTed (with WEBHOOK_SECRET); unset: no webhooks. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  WEBHOOK_URL?: string = undefined;

  /** The HMAC-SHA256 key of the Gatehouse-Signature header. */
  @ValidateIf((env: Environment) => env.WEBHOOK_SECRET !== undefined || env.WEBHOOK_URL !== undefined)
  @IsString({ message: 'WEBHOOK_SECRET is required with WEBHOOK_URL (at least 32 random characters)' })
  @MinLength(32, { message: 'WEBHOOK_SECRET must be at least 32 characters' })
  WEBHOOK_SECRET?: string = undefined;
}

/** Where people are sent (mail links, the end of a provider sign-in): APP_URL, or this service's own /account page. */
export function appUrlOf(env: Pick<Environment, 'APP_URL' | 'PUBLIC_URL' | 'PORT'>): string {
  return env.APP_URL ?? `${publicUrlOf(env)}/account`;
}

/** This service's own base URL: PUBLIC_URL, or localhost on PORT. */
export function publicUrlOf(env: Pick<Environment, 'PUBLIC_URL' | 'PORT'>): string {
  return (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Secrets copied from a README rather than generated. */
const PLACEHOLDER_SECRET = /change.?me|example|placeholder|your.?secret/i;

/** The names of every variable above, in the order `.env.example` lists them. */
export const VARIABLE_NAMES = Object.keys(new Environment()) as (keyof Environment)[];

/** Validates raw variables (unset and empty ones take their defaults); throws naming every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): Environment {
  const given: Record<string, string> = {};
  for (const name of VARIABLE_NAMES) {
    const value = raw[name];
    if (value !== undefined && value.trim() !== '') given[name] = value;
  }
  const env = plainToInstance(Environment, given, { exposeDefaultValues: true });
  const problems = validateSync(env).map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
  if (env.NODE_ENV === 'production' && env.JWT_SECRET && PLACEHOLDER_SECRET.test(env.JWT_SECRET)) {
    problems.push('JWT_SECRET: looks like a placeholder; generate a random one (see .env.example)');
  }
  if (problems.length === 0 && parseDurationSeconds(env.HEADERS_TIMEOUT)! > parseDurationSeconds(env.REQUEST_TIMEOUT)!) {
    // Node refuses a server whose headers may take longer than the whole request.
    problems.push('HEADERS_TIMEOUT: may not be longer than REQUEST_TIMEOUT');
  }
  if (env.DATA_ENCRYPTION_KEY !== undefined && !decodeDataKey(env.DATA_ENCRYPTION_KEY)) {
    problems.push('DATA_ENCRYPTION_KEY: must be 32 random bytes, base64url, base64 or hex (see .env.example)');
  }
  if (env.CORS_ORIGINS) problems.push(...originListProblems('CORS_ORIGINS', env.CORS_ORIGINS));
  problems.push(...webAuthnProblems(env, appUrlOf(env)));
  const oidc = readOidcProviders(env.OIDC_PROVIDERS, raw);
  problems.push(...oidc.problems);
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  oidcProviders.set(env, oidc.providers);
  return env;
}

/** The identity providers read beside each validated environment (their variables' names depend on OIDC_PROVIDERS). */
const oidcProviders = new WeakMap<Environment, OidcProviderSettings[]>();

export function oidcProvidersOf(env: Environment): OidcProviderSettings[] {
  return oidcProviders.get(env) ?? [];
}

/** The 32 bytes of a DATA_ENCRYPTION_KEY written as hex (64 digits), base64 or base64url; undefined for anything else. */
export function decodeDataKey(text: string): Buffer | undefined {
  const value = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''), 'base64url')
      : undefined;
  return bytes?.length === 32 ? bytes : undefined;
}

let validated: Environment | undefined;

/**
 * ConfigModule's `validate` (app.module.ts): the one validation of an app's variables, .env under process.env. The
 * namespaces in this folder map its result and never read a variable themselves.
 */
export function validate(raw: Record<string, unknown>): Environment {
  validated = validateEnvironment(raw as Record<string, string | undefined>);
  return validated;
}

/** What `validate` accepted for the app being built (each app validates its own when its module is made). */
export function validatedEnvironment(): Environment {
  if (!validated) throw new Error('configuration read before ConfigModule.forRoot validated the environment');
  return validated;
}

/** Tests never read a developer's .env; everything else does when one is present. */
export function envFileOptions(): { ignoreEnvFile: boolean; envFilePath: string } {
  return { ignoreEnvFile: process.env.NODE_ENV === 'test', envFilePath: '.env' };
}

/** For tools that run outside Nest (the TypeORM CLI, the database commands): .env under process.env, as for the app. */
export function readEnvironmentWithEnvFile(): Environment {
  const { ignoreEnvFile, envFilePath } = envFileOptions();
  if (!ignoreEnvFile && existsSync(envFilePath)) process.loadEnvFile(envFilePath);
  return validateEnvironment(process.env);
}
