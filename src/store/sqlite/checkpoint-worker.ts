/**
 * WAL checkpoints, mostly off the request path. SQLite's automatic checkpoint (once the WAL holds
 * 1000 pages) runs inside the COMMIT that crosses that mark: on our single Node thread, that request
 * copies the whole WAL into the database file and fsyncs it while every other request waits. Under
 * append load that made the p99 of SQLite appends (docs/benchmarks.md).
 *
 * The store's connection keeps that automatic checkpoint: it is what starts the WAL over from its
 * beginning (the first write after a checkpoint that copied every frame does that), so the WAL
 * stays near 4 MB with no help. What changes is how much is left for it to do. A worker thread with
 * its own connection to the file (checkpoint-worker-thread.ts) copies new frames into the database,
 * and fsyncs it, every `pollMs` (default 50), without blocking anyone; when the store's commit
 * crosses the mark, the in-commit checkpoint finds most frames already copied and copies only what
 * was committed since the worker's last pass (its fsync of the database remains).
 * If the worker is copying at that very moment, the in-commit checkpoint does nothing at all:
 * both are PASSIVE checkpoints, which take the checkpoint lock without waiting (SQLITE_BUSY, never
 * the busy handler: https://sqlite.org/c3ref/wal_checkpoint_v2.html), and SQLite's automatic
 * checkpoint ignores that result and tries again at the next commit.
 *
 * The worker starts `startDelayMs` (default 1000) after the store opens: a short-lived store (a CLI
 * command, most tests) never pays for a thread. It polls rather than being told about commits: an
 * idle poll costs a few microseconds, nothing is added to a commit, and it also sees what other
 * processes (a CLI beside the server) wrote.
 *
 * If the WAL grows past `walWarnBytes` (default 64 MiB) all the same, something keeps it from
 * starting over (a long read, perhaps in another process): the worker says so (`warn`), again each
 * time it doubles, and says when it is back (`info`). If the worker dies (an uncaught error, a failed
 * start), that is logged, and nothing else changes: SQLite's own checkpoint copies everything again.
 * A failed worker is not restarted.
 *
 * The final checkpoint at close is SQLite's own: the last connection to close a WAL database
 * copies the WAL into it and deletes the WAL. The store closes its connection after the worker's.
 */
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

export interface CheckpointWorkerOptions {
  /** The store connection's busy timeout, ms; the worker's connection waits as long. */
  busyTimeoutMs: number;
  /** How long after `startCheckpointWorker` the worker starts, ms. Default 1000. */
  startDelayMs?: number;
  /** How often the worker looks for WAL frames to copy, ms. Default 50. */
  pollMs?: number;
  /** WAL size past which the worker warns that the WAL cannot start over, bytes. Default 64 MiB. */
  walWarnBytes?: number;
}

/** Where the worker's failure and an oversized WAL are logged (a pino logger fits). */
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
  /** Stops the worker and resolves once its thread has ended (its connection closed). Never rejects. */
  stop(): Promise<void>;
}

/** What the worker thread gets as `workerData`. */
export interface CheckpointThreadData {
  path: string;
  busyTimeoutMs: number;
  pollMs: number;
  walWarnBytes: number;
}

/** What the worker thread tells the store, which logs it. */
export type CheckpointReport =
  /** The WAL is past `walWarnBytes`; sent again each time it doubles. */
  | { kind: 'large'; walBytes: number }
  /** After `large`: the WAL has started over. */
  | { kind: 'recovered'; walBytes: number };

export const DEFAULT_CHECKPOINT_START_DELAY_MS = 1000;
export const DEFAULT_CHECKPOINT_POLL_MS = 50;
export const DEFAULT_WAL_WARN_BYTES = 64 * 1024 * 1024;

// This module's own file ends in .ts when it runs from source under tsx (the tests), and in .js in
// dist/; the worker's module sits beside it with the same ending.
const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');
const THREAD_URL = new URL(`./checkpoint-worker-thread.${fromSource ? 'ts' : 'js'}`, import.meta.url);

/**
 * Starts copying the WAL of `sqlite`, the store's connection, from a worker thread, if it is a file
 * database in WAL mode; returns null for `:memory:`, a temporary database or another journal mode.
 * Changes no setting of `sqlite`. Neither the worker nor its start delay keeps the process alive.
 * Stop it before closing `sqlite`.
 *
 * @example
 * const checkpoints = startCheckpointWorker(sqlite, { busyTimeoutMs: 5000 }, { logger })
 * await checkpoints?.stop()
 * sqlite.close()
 */
export function startCheckpointWorker(sqlite: BetterSqlite3.Database, options: CheckpointWorkerOptions, deps: CheckpointWorkerDeps = {}): CheckpointWorker | null {
  if (sqlite.memory || sqlite.pragma('journal_mode', { simple: true }) !== 'wal') return null;
  const { logger } = deps;
  const workerData: CheckpointThreadData = {
    path: resolvePath(sqlite.name),
    busyTimeoutMs: options.busyTimeoutMs,
    pollMs: options.pollMs ?? DEFAULT_CHECKPOINT_POLL_MS,
    walWarnBytes: options.walWarnBytes ?? DEFAULT_WAL_WARN_BYTES,
  };

  let worker: Worker | undefined;
  let exited = Promise.resolve();
  let stopping = false;
  let failed = false;

  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    logger?.error({ err: error }, 'SQLite checkpoint worker failed; SQLite checkpoints during commits alone');
  };

  const onReport = (report: CheckpointReport) => {
    const detail = { walBytes: report.walBytes, walWarnBytes: workerData.walWarnBytes };
    if (report.kind === 'large') logger?.warn(detail, 'SQLite WAL keeps growing: something, perhaps a long read in another process, keeps it from starting over');
    else logger?.info(detail, 'SQLite WAL has started over');
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
        resolve();
      });
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    started.unref();
  };
  const startTimer = setTimeout(start, options.startDelayMs ?? DEFAULT_CHECKPOINT_START_DELAY_MS);
  startTimer.unref();

  return {
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
