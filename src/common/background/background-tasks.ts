import { Logger } from '@nestjs/common';

/**
 * Work started by a request but not awaited by it (so the response neither waits for it nor reveals its outcome).
 * Failures are logged, never thrown; `drain` lets a shutting-down module wait for what is still running.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(what: string, task: () => Promise<void>): void {
    const done: Promise<void> = task()
      .catch((error: Error) => this.logger.error(`${what} failed: ${error.message}`))
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}

/** Runs `task` every `intervalMs` without keeping the process alive; failures are logged. Returns the stop function. */
export function every(intervalMs: number, what: string, logger: Logger, task: () => Promise<void>): () => void {
  const timer = setInterval(() => void task().catch((error: Error) => logger.warn(`${what} failed: ${error.message}`)), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
