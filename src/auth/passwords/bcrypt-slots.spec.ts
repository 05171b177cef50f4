import { BcryptSlots } from './bcrypt-slots';

describe('BcryptSlots', () => {
  it('runs at most `slots` jobs at once, and every job in the end', async () => {
    const slots = new BcryptSlots(2);
    let running = 0;
    let peak = 0;
    const job = async (value: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return value;
    };
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => slots.run(() => job(n))));
    expect(results).toEqual([1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
  });

  it('frees the slot of a job that fails', async () => {
    const slots = new BcryptSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
