import { executionAsyncResource } from 'node:async_hooks';

/**
 * Keeps `process.nextTick` on V8's fast path for the life of the process. Node builds a tick object per call (node:http
 * makes several per request), and V8 caches that literal's hidden classes weakly: a full collection with no tick object
 * alive clears them, and from then on every tick defines its properties through the runtime, about 7 % of a guarded
 * request on Node 26 (docs/performance.md). One tick object held from start-up keeps those classes alive.
 *
 * It is the resource of the tick this module queues: `executionAsyncResource()` inside a tick callback is that tick's
 * object, and the queue holds it until then, so no collection finds none alive. Not an async_hooks hook: enabling one,
 * even for an instant, installs V8 promise hooks, which turns off V8's inlined promises and async functions for good
 * (measured: an async call 3.4 times slower). The one call has a cost of its own: from then on Node passes each
 * native callback's resource through a JavaScript trampoline; side by side, this build still beat the hook's in 13 of
 * 14 rounds (one tie). Imported first by main.ts, before the start-up's allocations bring the first full collection;
 * if Node ever changes, the hold is a few bytes for nothing.
 */
const held: object[] = [];
process.nextTick(() => held.push(executionAsyncResource()));

/** The tick objects held: one, caught at import (for the test that it is a tick object and the only one). */
export function heldTickObjects(): readonly object[] {
  return held;
}
