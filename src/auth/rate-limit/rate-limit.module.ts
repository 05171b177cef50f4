import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { authConfig, AuthConfig } from '../../config';
import { REDIS } from '../../redis/redis.module';
import { AuthThrottlerGuard } from './auth-throttler.guard';
import { MemoryRateLimitStorage, RedisRateLimitStorage } from './rate-limit.storage';

const MINUTE_MS = 60_000;

/**
 * Per-address rate limits (@nestjs/throttler): counted in Redis when REDIS_URL is set (shared by all instances), else
 * in memory. Its storage (the `ThrottlerStorage` token) also counts mails per recipient.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [authConfig.KEY, REDIS],
      useFactory: (auth: AuthConfig, redis: Redis | null) => ({
        throttlers: [{ ttl: MINUTE_MS, limit: auth.authRateLimitPerMinute }],
        storage: redis ? new RedisRateLimitStorage(redis) : new MemoryRateLimitStorage(),
        // API.md promises Retry-After on a 429 and no X-RateLimit-* headers; the guard sets Retry-After itself.
        setHeaders: false,
      }),
    }),
  ],
  providers: [AuthThrottlerGuard],
  exports: [AuthThrottlerGuard],
})
export class RateLimitModule {}
