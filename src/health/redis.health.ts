import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { REDIS } from '../redis/redis.module';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  async ping(key = 'redis'): Promise<HealthIndicatorResult> {
    const check = this.indicators.check(key);
    try {
      await this.redis?.ping();
      return check.up();
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}
