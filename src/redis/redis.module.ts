import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisConfig, RedisConfig } from '../config';

/** The shared Redis connection, or null when REDIS_URL is unset: every user must work without it. */
export const REDIS = Symbol('REDIS');

class RedisConnection implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [redisConfig.KEY],
      useFactory: (config: RedisConfig): Redis | null => {
        if (!config.url) return null;
        const logger = new Logger('Redis');
        // Fail fast instead of queueing: callers fall back (rate limits count in memory) while Redis is away.
        const redis = new Redis(config.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
        let down = false;
        redis.on('error', (error: Error) => {
          if (!down) logger.warn(`Redis unavailable: ${error.message}`);
          down = true;
        });
        redis.on('ready', () => {
          if (down) logger.log('Redis is back');
          down = false;
        });
        return redis;
      },
    },
    RedisConnection,
  ],
  exports: [REDIS],
})
export class RedisModule {}
