/**
 * What runs inside the checkpoint worker (checkpoint-worker.ts starts it and explains why): its own
 * connection to the store's file, which copies the WAL into the database every `pollMs`.
 *
 * Each poll runs `PRAGMA wal_checkpoint(PASSIVE)`. With nothing to copy, that is a lock on the
 * `-shm` file and a look at its header: a few microseconds. Otherwise it copies what it can without
 * waiting for anyone, then fsyncs the database. PASSIVE never blocks the store, and that is also
 * why it cannot bound the WAL alone: SQLite starts the WAL over from its beginning only when a write
 * transaction begins with every frame already copied, and under steady writes the store commits new
 * frames while the worker copies the old ones, so that moment never comes (a tight append loop here
 * grew the WAL to 200 MB in 6 s).
 *
 * So once the WAL is past `walLimitBytes` and still growing, the poll copies once more and then runs
 * `wal_checkpoint(RESTART)` with the store held (the hold flag: checkpoint-worker.ts). RESTART gets
 * the write lock at once, copies the few frames committed since, fsyncs the database, and leaves the
 * WAL to be started over by the next write. The hold lasts about that fsync: the copied pages must
 * be on disk before the WAL is written over. Without the hold, the store begins its next transaction
 * within microseconds of the last one and RESTART, which can only poll for the lock, rarely gets it.
 *
 * This connection never changes the journal mode or the schema: it reads the journal mode, and
 * stops (an error, which the parent treats as a crash) if the file is not in WAL mode.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { HOLD_ASKED, HOLD_NONE, type CheckpointReport, type CheckpointThreadData } from './checkpoint-protocol.js';

/** The row `PRAGMA wal_checkpoint` returns: busy flag, frames in the WAL, frames copied. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** Each WAL frame is a 24-byte header and one page (https://sqlite.org/fileformat2.html#walformat). */
const FRAME_HEADER_BYTES = 24;
/** Past this many times the limit, the worker truncates the WAL file rather than reuse it: give the disk space back. */
const TRUNCATE_FACTOR = 4;
/** How long RESTART waits for the store to say it holds, ms (see startWalOver). */
const HOLD_ANSWER_WAIT_MS = 50;

const port = parentPort;
if (port === null) throw new Error('checkpoint-worker-thread runs only as a worker thread (see checkpoint-worker.ts)');
const data = workerData as CheckpointThreadData;
const hold = new Int32Array(data.hold);

// The store connection's busy timeout (better-sqlite3's `timeout` is SQLite's busy_timeout).
const db = new BetterSqlite3(data.path, { fileMustExist: true, timeout: data.busyTimeoutMs });
const journalMode = db.pragma('journal_mode', { simple: true });
if (journalMode !== 'wal') {
  db.close();
  throw new Error(`checkpoint worker: ${data.path} is in journal mode ${String(journalMode)}, not WAL`);
}
// A checkpoint fsyncs the WAL before copying and the database after only if this connection's
// `synchronous` is at least NORMAL. Without those fsyncs, a WAL started over after a checkpoint could
// overwrite frames whose pages never reached the disk. FULL, as on the store's connection.
db.pragma('synchronous = FULL');
const frameBytes = (db.pragma('page_size', { simple: true }) as number) + FRAME_HEADER_BYTES;

function checkpoint(mode: 'PASSIVE' | 'RESTART' | 'TRUNCATE'): CheckpointResult {
  return (db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[])[0]!;
}

/**
 * RESTART (or TRUNCATE) with the store held; true if it finished. The store says it holds (the
 * flag goes from HOLD_ASKED to HOLD_GRANTED) at its next query, once its current transaction has
 * ended, so the write lock is free when RESTART asks for it: no busy-handler sleeps, whose steps
 * (1, 2, 5, 10 ms...) would lengthen the hold. If the store does not answer within
 * `HOLD_ANSWER_WAIT_MS` (it is not querying: the writes come from another process), RESTART goes
 * ahead and waits for the lock as usual.
 */
function startWalOver(mode: 'RESTART' | 'TRUNCATE'): boolean {
  db.pragma(`busy_timeout = ${data.restartBusyTimeoutMs}`);
  Atomics.store(hold, 0, HOLD_ASKED);
  try {
    Atomics.wait(hold, 0, HOLD_ASKED, HOLD_ANSWER_WAIT_MS);
    return checkpoint(mode).busy === 0;
  } finally {
    Atomics.store(hold, 0, HOLD_NONE);
    db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
  }
}

let lastFrames = 0;
/** WAL size when `stuck` was last reported, bytes; 0 when it is not stuck. */
let reportedStuckAt = 0;

function poll(): void {
  let pass = checkpoint('PASSIVE');
  const walBytes = pass.log * frameBytes;
  const growing = pass.log > lastFrames;
  lastFrames = pass.log;
  if (walBytes < data.walLimitBytes) return recovered(walBytes);
  // All copied and no longer growing: the next write starts the WAL over by itself.
  if (!growing && pass.checkpointed === pass.log) return recovered(walBytes);
  // Copy what was committed during that pass too, so that RESTART, with the store held, has only
  // the last few frames left to copy.
  pass = checkpoint('PASSIVE');
  if (pass.checkpointed < pass.log) {
    // A reader still uses frames that could not be copied: the store's own, for a moment (its
    // reads run beside this thread), or another process's. RESTART would wait for it with the
    // store held; wait here instead, where nobody is held, and try again at the next poll.
    return stuck(walBytes, 'readers');
  }
  const finished = startWalOver(walBytes >= TRUNCATE_FACTOR * data.walLimitBytes ? 'TRUNCATE' : 'RESTART');
  if (finished) recovered(walBytes);
  else stuck(walBytes, 'busy');
}

/** Reported once the WAL is past twice its limit (a poll or two of delay is no news), then each time it doubles. */
function stuck(walBytes: number, reason: 'readers' | 'busy'): void {
  if (walBytes < 2 * Math.max(data.walLimitBytes, reportedStuckAt)) return;
  reportedStuckAt = walBytes;
  port!.postMessage({ kind: 'stuck', walBytes, reason } satisfies CheckpointReport);
}

function recovered(walBytes: number): void {
  if (reportedStuckAt === 0) return;
  reportedStuckAt = 0;
  port!.postMessage({ kind: 'recovered', walBytes } satisfies CheckpointReport);
}

let timer = setTimeout(function tick() {
  poll();
  timer = setTimeout(tick, data.pollMs);
}, data.pollMs);
port.postMessage({ kind: 'ready' } satisfies CheckpointReport);

port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  db.close();
  // With the port closed and no timer left, the thread's event loop is empty: the thread ends.
  port.close();
});
