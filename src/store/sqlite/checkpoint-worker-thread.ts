/**
 * What runs inside the checkpoint worker (checkpoint-worker.ts starts it and explains why): its own
 * connection to the store's file, which copies new WAL frames into the database every `pollMs`, so
 * that the store's own automatic checkpoint, in a commit, finds little left to copy.
 *
 * Each poll first asks how far the WAL is copied with `wal_checkpoint(NOOP)`, which reads the
 * `-shm` header and takes no lock (SQLite before 3.51 reads NOOP as PASSIVE, which is also safe),
 * and only if frames are left runs `wal_checkpoint(PASSIVE)`: it copies what no reader still needs,
 * without waiting for anyone, then fsyncs the database. It never starts the WAL over (RESTART,
 * TRUNCATE): that is left to the store's connection, whose next write does it by itself.
 *
 * This connection never changes the journal mode or the schema: it reads the journal mode, and
 * stops (an error, which the parent logs) if the file is not in WAL mode.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { CheckpointReport, CheckpointThreadData } from './checkpoint-worker.js';

/** The row `PRAGMA wal_checkpoint` returns: busy flag, frames in the WAL, frames copied. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** Each WAL frame is a 24-byte header and one page (https://sqlite.org/fileformat2.html#walformat). */
const FRAME_HEADER_BYTES = 24;

const port = parentPort;
if (port === null) throw new Error('checkpoint-worker-thread runs only as a worker thread (see checkpoint-worker.ts)');
const data = workerData as CheckpointThreadData;

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
const noop = db.prepare('pragma wal_checkpoint(NOOP)');
const passive = db.prepare('pragma wal_checkpoint(PASSIVE)');

/** WAL size when `large` was last reported, bytes; 0 when it is within `walWarnBytes`. */
let reportedAt = 0;

function poll(): void {
  const wal = noop.get() as CheckpointResult;
  if (wal.checkpointed < wal.log) passive.get();
  const walBytes = wal.log * frameBytes;
  if (walBytes >= data.walWarnBytes && walBytes >= 2 * reportedAt) {
    reportedAt = walBytes;
    port!.postMessage({ kind: 'large', walBytes } satisfies CheckpointReport);
  } else if (walBytes < data.walWarnBytes && reportedAt > 0) {
    reportedAt = 0;
    port!.postMessage({ kind: 'recovered', walBytes } satisfies CheckpointReport);
  }
}

let timer = setTimeout(function tick() {
  poll();
  timer = setTimeout(tick, data.pollMs);
}, data.pollMs);

port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  db.close();
  // With the port closed and no timer left, the thread's event loop is empty: the thread ends.
  port.close();
});
