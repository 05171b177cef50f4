import { randomPool } from './random-pool';

describe('randomPool', () => {
  it('hands out values of the asked size', () => {
    expect(randomPool.base64url(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomPool.bytes(12)).toHaveLength(12);
  });

  it('never hands out the same bytes twice, across refills of the pool', () => {
    const seen = new Set<string>();
    // 1 000 draws of 32 bytes span eight 4 KiB fills.
    for (let i = 0; i < 1000; i++) seen.add(randomPool.base64url(32));
    expect(seen.size).toBe(1000);
  });

  it('gives each buffer bytes of its own, which later draws do not change', () => {
    const first = randomPool.bytes(16);
    const copy = Buffer.from(first);
    for (let i = 0; i < 300; i++) randomPool.bytes(16);
    expect(first.equals(copy)).toBe(true);
  });

  it('refuses a draw larger than the pool', () => {
    expect(() => randomPool.bytes(5000)).toThrow(RangeError);
  });
});
