import { jest } from '@jest/globals';

/** Everything a suite with a faked Date keeps real: timers, ticks and the monotonic clock. */
const REAL = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

/**
 * Fakes Date alone, standing still at now until a test moves it (`jest.setSystemTime`). Call it before the app's
 * modules load (a dynamic import after it): TypeORM tells date columns by `type === Date`, so the entities must be
 * declared with the very Date the app then runs with.
 */
export function fakeDateOnly(): void {
  jest.useFakeTimers({ doNotFake: [...REAL], now: Date.now() });
}
