import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Fixed-window hit counters for @nestjs/throttler (and the mail limit): the window starts at a key's first hit, and a
 * key past its limit stays blocked until its window ends, so `blockDuration` is not used. Every hit counts, blocked
 * ones too, so a client that keeps hammering gains nothing.
 */
function record(hits: number, limit: number, expiresInMs: number): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(expiresInMs / 1000));
  const isBlocked = hits > limit;
  return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
}

const MAX_KEYS = 100_000;

/** Counters in this instance's memory, bounded: expired windows are swept, and the oldest go first when full. */
export class MemoryRateLimitStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, { hits: number; endsAt: number }>();

  increment(key: string, ttlMs: number, limit: number, _blockDuration?: number, _throttlerName?: string): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size >= MAX_KEYS) this.sweep(now);
      window = { hits: 0, endsAt: now + ttlMs };
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    window.hits += 1;
    return Promise.resolve(record(window.hits, limit, window.endsAt - now));
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    // Still full of live windows: drop the oldest (a Map iterates in insertion order).
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_KEYS) break;
      this.windows.delete(key);
    }
  }
}

/** INCR and PEXPIRE in one round trip, so concurrent instances count one client together. */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { hits, redis.call('PTTL', KEYS[1]) }`;

/** Counters shared by every instance through Redis; while Redis is away, counts in memory rather than failing. */
export class RedisRateLimitStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisRateLimitStorage.name);
  private readonly fallback = new MemoryRateLimitStorage();

  constructor(private readonly redis: Redis) {}

  async increment(
    key: string,
    ttlMs: number,
    limit: number,
    _blockDuration?: number,
    _throttlerName?: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const [hits, expiresInMs] = (await this.redis.eval(INCREMENT, 1, `gatehouse:rate:${key}`, ttlMs)) as [number, number];
      return record(hits, limit, expiresInMs > 0 ? expiresInMs : ttlMs);
    } catch (error) {
      this.logger.debug(`counting in memory: ${(error as Error).message}`);
      return this.fallback.increment(key, ttlMs, limit);
    }
  }
}
