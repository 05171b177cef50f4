import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditTrailModule } from './audit/audit-trail.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import {
  appConfig,
  auditConfig,
  authConfig,
  databaseConfig,
  DatabaseConfig,
  envFileOptions,
  mailConfig,
  mfaConfig,
  passkeysConfig,
  oidcConfig,
  redisConfig,
  validate,
} from './config';
import { RedisModule } from './redis/redis.module';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { IdentityProvidersModule } from './identity-providers/identity-providers.module';
import { MetricsModule } from './metrics/metrics.module';
import { MfaModule } from './mfa/mfa.module';
import { PasskeysModule } from './passkeys/passkeys.module';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    AuditTrailModule,
    SessionsModule,
    UsersModule,
    AuthModule,
    MfaModule,
    PasskeysModule,
    IdentityProvidersModule,
    AuditModule,
    HealthModule,
    MetricsModule,
  ],
})
export class AppModule {
  /**
   * The app with its configuration. The environment is validated here, once, when the app is built (never when this
   * file is imported), so a bad variable fails the start with its message and each test app reads its own variables.
   */
  static async forRoot(): Promise<DynamicModule> {
    return {
      module: AppModule,
      imports: [
        await ConfigModule.forRoot({
          isGlobal: true,
          ...envFileOptions(),
          validate,
          load: [appConfig, auditConfig, authConfig, databaseConfig, mailConfig, mfaConfig, oidcConfig, passkeysConfig, redisConfig],
        }),
        // Cross-feature side effects (a user-side change that another feature acts on) travel as typed events.
        EventEmitterModule.forRoot(),
        RedisModule,
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (database: DatabaseConfig) => ({
            ...dataSourceOptions(database.url),
            migrationsRun: true,
            retryAttempts: 3,
            retryDelay: 1000,
          }),
        }),
      ],
    };
  }
}
