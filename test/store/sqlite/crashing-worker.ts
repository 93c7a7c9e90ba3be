/**
 * A checkpoint worker that dies, for checkpoint-worker.test.ts: it starts as the real worker does
 * (the store goes on meanwhile), then throws.
 */

/** How long after its start the worker throws, ms. */
const CRASH_AFTER_MS = 200;

setTimeout(() => {
  throw new Error('checkpoint worker crashed on purpose (test)');
}, CRASH_AFTER_MS);
