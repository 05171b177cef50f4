export { auditConfig, type AuditConfig } from './audit.config';
export { appConfig, type AppConfig } from './app.config';
export { authConfig, type AuthConfig, type JwtAlgorithm } from './auth.config';
export { databaseConfig, type DatabaseConfig } from './database.config';
export { mailConfig, type MailConfig } from './mail.config';
export { mfaConfig, type MfaConfig } from './mfa.config';
export { redisConfig, type RedisConfig } from './redis.config';
export { ConfigurationError, decodeDataKey, envFileOptions, validate, validatedEnvironment, validateEnvironment } from './environment';
export { oidcConfig, type OidcConfig, type OidcProviderConfig } from './oidc.config';
