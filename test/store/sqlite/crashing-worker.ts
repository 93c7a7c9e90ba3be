/**
 * A checkpoint worker that dies, for checkpoint-worker.test.ts: it says it is ready, as the real
 * worker does, asks the store to hold its queries, as the real worker does before a RESTART, then
 * throws while the store waits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HOLD_ASKED, type CheckpointReport, type CheckpointThreadData } from '../../../src/store/sqlite/checkpoint-protocol.js';

/** How long after its start the worker throws, ms (checkpoint-worker.test.ts counts on less than 500). */
const CRASH_AFTER_MS = 200;

const data = workerData as CheckpointThreadData;
parentPort!.postMessage({ kind: 'ready' } satisfies CheckpointReport);
Atomics.store(new Int32Array(data.hold), 0, HOLD_ASKED);
setTimeout(() => {
  throw new Error('checkpoint worker crashed on purpose (test)');
}, CRASH_AFTER_MS);
