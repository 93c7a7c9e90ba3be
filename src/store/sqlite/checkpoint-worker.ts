/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint (every 1000 WAL pages) runs
 * inside the COMMIT that crosses the threshold: on our single Node thread, that request copies
 * about a thousand pages into the database file and fsyncs it while every other request waits.
 * Under append load that made the p99 of SQLite appends (docs/benchmarks.md). So a file store in
 * WAL mode gets a worker thread with its own connection that checkpoints instead
 * (checkpoint-worker-thread.ts), and once it runs, the store's connection stops checkpointing
 * (`wal_autocheckpoint = 0`).
 *
 * The worker starts `startDelayMs` (default 1000) after the store opens: a short-lived store (a CLI
 * command, most tests) never pays for a thread, and until the worker says it is ready, SQLite
 * checkpoints as before. It then polls every `pollMs` (default 200) rather than being told about
 * commits: an idle poll costs a few microseconds, nothing is added to a commit, and it also sees
 * what other processes (a CLI beside the server) wrote.
 *
 * Past `walLimitBytes` (default 64 MiB) of WAL, the worker makes the WAL start over (a RESTART
 * checkpoint). For that it asks the store to hold its queries for a moment, through a flag in
 * shared memory that the store's driver reads before each query (`whileHeld`): the store awaits,
 * it does not block the thread, and requests that do not touch the database go on. A hold lasts
 * about one fsync of the database file, and at most `MAX_HOLD_MS`. Under steady writes that is
 * once per `walLimitBytes` written, where SQLite's own checkpoint stopped the whole thread every 4
 * MB. If the WAL cannot start over (a long read in another process), the worker says so (`warn`)
 * once it is past twice its limit, again each time it doubles, and says when it is back (`info`).
 *
 * If the worker dies (an uncaught error, a failed start), the store's connection gets its
 * `wal_autocheckpoint` back (1000, SQLite's default) and the failure is logged: checkpoints are in
 * the request path again, but the WAL never grows without bound. A failed worker is not restarted.
 *
 * The final checkpoint at close is SQLite's own: the last connection to close a WAL database
 * copies the WAL into it and deletes the WAL. The store closes its connection after the worker's.
 */
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { HOLD_ASKED, HOLD_GRANTED, HOLD_NONE, type CheckpointReport, type CheckpointThreadData } from './checkpoint-protocol.js';

export interface CheckpointWorkerOptions {
  /** The store connection's busy timeout, ms; the worker's connection waits as long. */
  busyTimeoutMs: number;
  /** How long after `startCheckpointWorker` the worker starts, ms. Default 1000. */
  startDelayMs?: number;
  /** How often the worker looks for WAL frames to copy, ms. Default 200. */
  pollMs?: number;
  /** WAL size past which the worker makes the WAL start over, bytes. Default 64 MiB. */
  walLimitBytes?: number;
}

/** Where the worker's failure and a stuck WAL are logged (a pino logger fits). */
export interface CheckpointLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CheckpointWorkerDeps {
  logger?: CheckpointLogger;
  /** Test seam: the module the worker runs instead of checkpoint-worker-thread. */
  workerUrl?: URL;
}

export interface CheckpointWorker {
  /**
   * Call before each query, with no transaction open (Kysely's driver: on getting the connection).
   * Undefined when the store may go on (the hot path: one read of shared memory); otherwise a
   * promise that resolves when the worker's RESTART is over, after `MAX_HOLD_MS` at most.
   */
  whileHeld(): Promise<void> | undefined;
  /** Stops the worker and resolves once its thread has ended (its connection closed). Never rejects. */
  stop(): Promise<void>;
}

export const DEFAULT_CHECKPOINT_START_DELAY_MS = 1000;
export const DEFAULT_CHECKPOINT_POLL_MS = 200;
export const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * The worker's busy timeout while the store is held, ms. RESTART waits for the write lock and then,
 * holding it, for readers of old frames; with the store's 5 s, a long read in another process
 * would hold every query of the server that long. With this it gives up and tries a later poll.
 */
const RESTART_BUSY_TIMEOUT_MS = 100;
/** The longest the store waits for a hold, ms: a RESTART has two lock waits and an fsync. */
export const MAX_HOLD_MS = 1000;

// This module's own file ends in .ts when it runs from source under tsx (the tests), and in .js in
// dist/; the worker's module sits beside it with the same ending.
const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');
const THREAD_URL = new URL(`./checkpoint-worker-thread.${fromSource ? 'ts' : 'js'}`, import.meta.url);

/**
 * Takes checkpoints off `sqlite`, the store's connection, if it is a file database in WAL mode.
 * Returns null, and changes nothing, for `:memory:`, a temporary database or another journal mode.
 * Neither the worker nor its start delay keeps the process alive. Stop it before closing `sqlite`,
 * and ask `whileHeld()` before each query.
 *
 * @example
 * const checkpoints = startCheckpointWorker(sqlite, { busyTimeoutMs: 5000 }, { logger })
 * await checkpoints?.whileHeld()
 * sqlite.prepare('insert into t values (?)').run(1)
 * await checkpoints?.stop()
 * sqlite.close()
 */
export function startCheckpointWorker(sqlite: BetterSqlite3.Database, options: CheckpointWorkerOptions, deps: CheckpointWorkerDeps = {}): CheckpointWorker | null {
  if (sqlite.memory || sqlite.pragma('journal_mode', { simple: true }) !== 'wal') return null;
  const { logger } = deps;
  const walLimitBytes = options.walLimitBytes ?? DEFAULT_WAL_LIMIT_BYTES;
  const holdBuffer = new SharedArrayBuffer(4);
  const hold = new Int32Array(holdBuffer);
  const workerData: CheckpointThreadData = {
    path: resolvePath(sqlite.name),
    busyTimeoutMs: options.busyTimeoutMs,
    pollMs: options.pollMs ?? DEFAULT_CHECKPOINT_POLL_MS,
    walLimitBytes,
    restartBusyTimeoutMs: Math.min(RESTART_BUSY_TIMEOUT_MS, options.busyTimeoutMs),
    hold: holdBuffer,
  };
  const autocheckpoint = sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;

  let worker: Worker | undefined;
  let exited = Promise.resolve();
  let stopping = false;
  let failed = false;
  /** True once the worker is ready and the store's connection no longer checkpoints. */
  let inCharge = false;

  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    Atomics.store(hold, 0, HOLD_NONE);
    try {
      // The connection is open unless the worker died after the store closed: nothing to restore then.
      if (inCharge && sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
      logger?.error({ err: error, walAutocheckpoint: autocheckpoint }, 'SQLite checkpoint worker failed; SQLite checkpoints during commits again');
    } catch (restoreError) {
      // Thrown from an event handler, this would take the server down: log it instead.
      logger?.error({ err: restoreError, workerError: error }, 'SQLite checkpoint worker failed, and SQLite checkpoints could not be turned back on');
    }
  };

  const onReport = (report: CheckpointReport) => {
    if (report.kind === 'ready') {
      if (stopping || failed || !sqlite.open) return;
      try {
        sqlite.pragma('wal_autocheckpoint = 0');
        inCharge = true;
      } catch (error) {
        // Both then checkpoint, which is harmless; only the request path keeps its pauses.
        logger?.error({ err: error }, 'SQLite checkpoint worker is ready, but SQLite checkpoints could not be turned off');
      }
      return;
    }
    const detail = { walBytes: report.walBytes, walLimitBytes };
    if (report.kind === 'stuck') {
      const why = report.reason === 'readers' ? 'readers, perhaps in another process, still use it' : 'the write lock or a reader stayed busy';
      logger?.warn({ ...detail, reason: report.reason }, `SQLite WAL is past twice its limit and cannot start over yet (${why}); checkpoint worker keeps trying`);
    } else {
      logger?.info(detail, 'SQLite WAL is within its limit again');
    }
  };

  const start = () => {
    let started: Worker;
    try {
      started = spawnWorker(deps.workerUrl ?? THREAD_URL, workerData);
    } catch (error) {
      fail(error);
      return;
    }
    worker = started;
    started.on('error', fail);
    started.on('message', onReport);
    exited = new Promise<void>((resolve) => {
      started.once('exit', (code) => {
        if (!stopping) fail(new Error(`the checkpoint worker exited with code ${code}`));
        Atomics.store(hold, 0, HOLD_NONE);
        resolve();
      });
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    started.unref();
  };
  const startTimer = setTimeout(start, options.startDelayMs ?? DEFAULT_CHECKPOINT_START_DELAY_MS);
  startTimer.unref();

  return {
    whileHeld() {
      const state = Atomics.load(hold, 0);
      if (state === HOLD_NONE) return undefined;
      // Called with the connection to ourselves (no transaction open): tell the worker it may go.
      if (state === HOLD_ASKED && Atomics.compareExchange(hold, 0, HOLD_ASKED, HOLD_GRANTED) === HOLD_ASKED) Atomics.notify(hold, 0);
      const deadline = Date.now() + MAX_HOLD_MS;
      return new Promise<void>((resolve) => {
        // Polled with a timer: a waiting query keeps the process alive, and the worker need not notify.
        const poll = () => (Atomics.load(hold, 0) === HOLD_NONE || Date.now() >= deadline ? resolve() : setTimeout(poll, 1));
        setTimeout(poll, 1);
      });
    },
    stop() {
      if (!stopping) {
        stopping = true;
        clearTimeout(startTimer);
        // Keep the process alive until the thread has closed its connection.
        worker?.ref();
        worker?.postMessage('stop');
      }
      return exited;
    },
  };
}

function spawnWorker(url: URL, workerData: CheckpointThreadData): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  // From source (tests under tsx). Node 20 does not pass a worker's own entry file through the
  // loaders in its execArgv (`--import tsx` there still fails with "Unknown file extension .ts"),
  // so the worker registers tsx's loader itself and then imports the file.
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(source, { eval: true, workerData });
}
