import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { TEST_ENV } from './test-app';

/**
 * A Gatehouse process started from the build (dist/main.js), as production runs it. Tests of several instances use
 * processes: @nestjs/passport keeps its strategies in one process-wide registry, so two apps in one process would
 * authenticate through whichever was built last.
 */
export class Instance {
  readonly url: string;
  private output = '';
  private written = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
  }

  static async start(env: Record<string, string>): Promise<Instance> {
    if (!existsSync('dist/main.js')) throw new Error('dist/main.js is missing: `npm test` builds first (pretest)');
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { PATH: process.env.PATH, ...TEST_ENV, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance = new Instance(child, port);
    await instance.waitUntilReady();
    return instance;
  }

  /** A place in the log, for `logSince`. */
  get logMark(): number {
    return this.written;
  }

  /** What the process has written since `mark` (as much of it as is kept). */
  logSince(mark: number): string {
    return this.output.slice(Math.max(0, this.output.length - (this.written - mark)));
  }

  /** How the process ended: an exit code, or the signal (Nest re-raises SIGTERM once it has shut down). */
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const { exitCode: code, signalCode: signal } = this.child;
    if (code !== null || signal !== null) return Promise.resolve({ code, signal });
    return new Promise((resolve) => this.child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal })));
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`instance exited (${this.child.exitCode}):\n${this.output.slice(-3000)}`);
      try {
        if ((await fetch(`${this.url}/health/live`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    this.child.kill('SIGKILL');
    throw new Error(`instance did not start in 30 s:\n${this.output.slice(-3000)}`);
  }

  private keep(chunk: Buffer): void {
    const text = chunk.toString();
    this.written += text.length;
    this.output = (this.output + text).slice(-100_000);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; resolves with the milliseconds it took, or rejects after `timeoutMs`. */
export async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await sleep(25);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
