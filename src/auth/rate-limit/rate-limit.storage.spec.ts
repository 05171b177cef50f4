import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { MemoryRateLimitStorage, RedisRateLimitStorage } from './rate-limit.storage';

const MINUTE_MS = 60_000;

/** A Redis that answers the counting script with `reply`, or fails as an unreachable one does. */
function fakeRedis(reply: () => Promise<unknown>) {
  const calls: unknown[][] = [];
  const redis = {
    eval: (...args: unknown[]) => {
      calls.push(args);
      return reply();
    },
  } as unknown as Redis;
  return { redis, calls };
}

const unreachable = () => Promise.reject(new Error('Stream isn’t writeable and enableOfflineQueue options is false'));

async function hits(storage: { increment: MemoryRateLimitStorage['increment'] }, key: string, n: number, limit: number) {
  const records = [];
  for (let i = 0; i < n; i++) records.push(await storage.increment(key, MINUTE_MS, limit, MINUTE_MS, 'default'));
  return records;
}

describe('MemoryRateLimitStorage', () => {
  afterEach(() => jest.useRealTimers());

  it('blocks a key past its limit until its window ends, then starts a fresh window', async () => {
    jest.useFakeTimers({ now: 0 });
    const storage = new MemoryRateLimitStorage();

    const first = await hits(storage, 'auth:a', 3, 2);
    jest.setSystemTime(45_500);
    const late = await storage.increment('auth:a', MINUTE_MS, 2, MINUTE_MS, 'default');
    jest.setSystemTime(MINUTE_MS);
    const fresh = await storage.increment('auth:a', MINUTE_MS, 2, MINUTE_MS, 'default');

    expect(first.map((r) => [r.totalHits, r.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect([late.totalHits, late.isBlocked, late.timeToBlockExpire]).toEqual([4, true, 15]);
    expect([fresh.totalHits, fresh.isBlocked, fresh.timeToExpire]).toEqual([1, false, 60]);
  });

  it('counts each key on its own', async () => {
    const storage = new MemoryRateLimitStorage();
    await hits(storage, 'auth:a', 3, 2);

    expect((await storage.increment('auth:b', MINUTE_MS, 2, MINUTE_MS, 'default')).totalHits).toBe(1);
  });
});

describe('RedisRateLimitStorage', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('counts in Redis under gatehouse:rate:<key>, with the window’s remaining time from PTTL', async () => {
    const { redis, calls } = fakeRedis(() => Promise.resolve([6, 41_200]));

    const record = await new RedisRateLimitStorage(redis).increment('auth:203.0.113.7', MINUTE_MS, 5, MINUTE_MS, 'default');

    expect(record).toEqual({ totalHits: 6, timeToExpire: 42, isBlocked: true, timeToBlockExpire: 42 });
    expect(calls.map(([, keys, key, ttl]) => [keys, key, ttl])).toEqual([[1, 'gatehouse:rate:auth:203.0.113.7', MINUTE_MS]]);
  });

  it('counts in memory while Redis is away, and in Redis again once it answers', async () => {
    let reply: () => Promise<unknown> = unreachable;
    const { redis } = fakeRedis(() => reply());
    const storage = new RedisRateLimitStorage(redis);

    const away = await hits(storage, 'auth:a', 3, 2);
    reply = () => Promise.resolve([1, MINUTE_MS]);
    const back = await storage.increment('auth:a', MINUTE_MS, 2, MINUTE_MS, 'default');

    expect(away.map((r) => [r.totalHits, r.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(away[2].timeToBlockExpire).toBeGreaterThanOrEqual(59);
    expect([back.totalHits, back.isBlocked]).toEqual([1, false]);
  });
});
