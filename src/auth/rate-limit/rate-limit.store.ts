import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/** Injection token of the RateLimitStore. */
export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

export interface WindowCount {
  /** Hits in the current window, this one included. */
  hits: number;
  /** Milliseconds until the window ends. */
  resetInMs: number;
}

/** Fixed-window hit counters; the window starts at a key's first hit. */
export interface RateLimitStore {
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

const MAX_KEYS = 100_000;

/** Counters in this instance's memory, bounded: expired windows are swept, and the oldest go first when full. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { hits: number; endsAt: number }>();

  hit(key: string, windowMs: number, now = Date.now()): Promise<WindowCount> {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size >= MAX_KEYS) this.sweep(now);
      window = { hits: 0, endsAt: now + windowMs };
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    window.hits += 1;
    return Promise.resolve({ hits: window.hits, resetInMs: window.endsAt - now });
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
export class RedisRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger(RedisRateLimitStore.name);
  private readonly fallback = new MemoryRateLimitStore();

  constructor(private readonly redis: Redis) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    try {
      const [hits, ttlMs] = (await this.redis.eval(INCREMENT, 1, `gatehouse:rate:${key}`, windowMs)) as [number, number];
      return { hits, resetInMs: ttlMs > 0 ? ttlMs : windowMs };
    } catch (error) {
      this.logger.debug(`counting in memory: ${(error as Error).message}`);
      return this.fallback.hit(key, windowMs);
    }
  }
}
