import { createHook } from 'node:async_hooks';

/**
 * Keeps `process.nextTick` on V8's fast path for the life of the process. Node builds a tick object per call (node:http
 * makes several per request), and V8 caches that literal's hidden classes weakly: a full collection with no tick object
 * alive clears them, and from then on every tick defines its properties through the runtime, about 7 % of a guarded
 * request on Node 26 (docs/performance.md). One tick object held from start-up keeps those classes alive. It is caught
 * by a public async_hooks init hook, which is disabled at once; the hold costs nothing if Node ever changes.
 * Imported first by main.ts, before the start-up's allocations bring the first full collection.
 */
const held: object[] = [];
const hook = createHook({
  init(_asyncId, type, _triggerAsyncId, resource) {
    if (type === 'TickObject') held.push(resource);
  },
}).enable();
process.nextTick(() => undefined);
hook.disable();

/** The tick objects held: one, caught at import (for the test that the hook caught it and no more). */
export function heldTickObjects(): readonly object[] {
  return held;
}
