import { Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { REDIS } from '../../redis/redis.module';
import { AuthRateLimitGuard } from './rate-limit.guard';
import { MemoryRateLimitStore, RATE_LIMIT_STORE, RateLimitStore, RedisRateLimitStore } from './rate-limit.store';

/** Per-address rate limits: counted in Redis when REDIS_URL is set (shared by all instances), else in memory. */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [REDIS],
      useFactory: (redis: Redis | null): RateLimitStore => (redis ? new RedisRateLimitStore(redis) : new MemoryRateLimitStore()),
    },
    AuthRateLimitGuard,
  ],
  exports: [RATE_LIMIT_STORE, AuthRateLimitGuard],
})
export class RateLimitModule {}
