import { availableParallelism } from 'node:os';

/**
 * At most one bcrypt computation per CPU the process may use, the rest wait their turn. libuv's pool has four threads
 * whatever the CPU count: on one core, four hashes at once would leave the event loop a fifth of it, and every guarded
 * request would wait behind them. With one hash per core the hash throughput is the same (bcrypt is CPU-bound) and the
 * event loop keeps its share, so guarded routes stay fast while logins saturate the CPU.
 */
export class BcryptSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots = Math.max(1, availableParallelism())) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
