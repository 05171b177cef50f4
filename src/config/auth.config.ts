import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration';
import { validatedEnvironment } from './environment';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

export const authConfig = registerAs('auth', () => {
  const env = validatedEnvironment();
  return {
    production: env.NODE_ENV === 'production',
    jwtAlgorithm: env.JWT_ALG satisfies JwtAlgorithm,
    jwtSecret: env.JWT_SECRET,
    jwtPrivateKeyFile: env.JWT_PRIVATE_KEY_FILE,
    jwtPublicKeyFiles: (env.JWT_PUBLIC_KEY_FILES ?? '')
      .split(',')
      .map((file) => file.trim())
      .filter(Boolean),
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTokenTtlSeconds: parseDurationSeconds(env.ACCESS_TOKEN_TTL)!,
    refreshTokenTtlSeconds: parseDurationSeconds(env.REFRESH_TOKEN_TTL)!,
    bcryptCost: env.BCRYPT_COST,
    passwordMinLength: env.PASSWORD_MIN_LENGTH,
    loginMaxFailures: env.LOGIN_MAX_FAILURES,
    loginLockSeconds: env.LOGIN_LOCK_SECONDS,
    authRateLimitPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
    revocationPollSeconds: env.REVOCATION_POLL_SECONDS,
    refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS,
    stepUpMaxAgeSeconds: parseDurationSeconds(env.STEP_UP_MAX_AGE)!,
    requireMfaForAdmins: env.REQUIRE_MFA_FOR_ADMINS,
    admin:
      env.ADMIN_USERNAME && env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { username: env.ADMIN_USERNAME, email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
  };
});

export type AuthConfig = ReturnType<typeof authConfig>;
