import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

/**
 * Random bytes for the values a hot path draws on every call (a refresh draws a token and an IV): one
 * `randomFillSync` per 4 KiB instead of one call per value, as Node itself does for `randomUUID`. Each byte is handed
 * out once; the pool is refilled, never reused. With the one-shot hash of its tokens, this made a refresh 1.11 times as
 * fast (docs/performance.md).
 */
class RandomPool {
  private readonly pool = Buffer.allocUnsafeSlow(POOL_BYTES);
  private offset = POOL_BYTES;

  /** `size` fresh random bytes, base64url-encoded. */
  base64url(size: number): string {
    const at = this.take(size);
    return this.pool.toString('base64url', at, at + size);
  }

  /** `size` fresh random bytes in a buffer of their own. */
  bytes(size: number): Buffer {
    const at = this.take(size);
    return Buffer.from(this.pool.subarray(at, at + size));
  }

  private take(size: number): number {
    if (size > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} bytes at a time`);
    if (this.offset + size > POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const at = this.offset;
    this.offset += size;
    return at;
  }
}

export const randomPool = new RandomPool();
