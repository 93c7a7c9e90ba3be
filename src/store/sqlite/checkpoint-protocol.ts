/**
 * What the store's side of the checkpoint worker (checkpoint-worker.ts) and the thread
 * (checkpoint-worker-thread.ts) share: the data the thread starts with, what it reports, and the
 * values of the hold flag.
 */

/** The hold flag's values (an Int32 shared with the store; see checkpoint-worker.ts). */
export const HOLD_NONE = 0;
/** The worker asks the store to hold its queries. */
export const HOLD_ASKED = 1;
/** The store holds them: it has no transaction open. */
export const HOLD_GRANTED = 2;

/** What the parent passes as `workerData`. */
export interface CheckpointThreadData {
  path: string;
  busyTimeoutMs: number;
  pollMs: number;
  walLimitBytes: number;
  /** The busy timeout while the store is held, ms (see checkpoint-worker.ts). */
  restartBusyTimeoutMs: number;
  /** One Int32, the hold flag: HOLD_NONE, HOLD_ASKED or HOLD_GRANTED. */
  hold: SharedArrayBuffer;
}

/** What the worker tells the parent, which logs it. */
export type CheckpointReport =
  /** Connected and polling: the store's connection may stop checkpointing. */
  | { kind: 'ready' }
  /** The WAL is past twice its limit and cannot be started over yet; sent again each time it doubles. */
  | { kind: 'stuck'; walBytes: number; reason: 'readers' | 'busy' }
  /** After `stuck`: the WAL is back within its limit, or will start over at the next write. */
  | { kind: 'recovered'; walBytes: number };
