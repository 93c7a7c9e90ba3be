/**
 * WAL checkpoints on a worker thread (src/store/sqlite/checkpoint-worker.ts): the store's connection
 * no longer checkpoints, the worker does, the WAL stays bounded under steady writes, close stops the
 * worker, and a dead worker hands checkpoints back to SQLite. What the WAL holds is read from the
 * `-shm` file, so that no probe connection checkpoints by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { MAX_HOLD_MS, startCheckpointWorker, type CheckpointWorkerDeps, type CheckpointWorkerOptions } from '../../../src/store/sqlite/checkpoint-worker.js';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'threadgate-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `db-${++files}.db`);

const CRASHING_WORKER = new URL('./crashing-worker.ts', import.meta.url);
const CHILD = fileURLToPath(new URL('./checkpoint-child.ts', import.meta.url));
const SRC_STORE = new URL('../../../src/store/sqlite/sqlite-store.ts', import.meta.url);
const DIST_STORE = new URL('../../../dist/store/sqlite/sqlite-store.js', import.meta.url);
const DIST_THREAD = new URL('../../../dist/store/sqlite/checkpoint-worker-thread.js', import.meta.url);
const SRC_THREAD = new URL('../../../src/store/sqlite/checkpoint-worker-thread.ts', import.meta.url);

/**
 * Frames in the WAL and frames already copied into the database, as the `-shm` file says: mxFrame
 * at byte 16 of the WAL-index header, nBackfill at byte 96 (https://sqlite.org/walformat.html#the_wal_index_file_format),
 * in the machine's byte order (little-endian here).
 */
function walProgress(path: string): { frames: number; copied: number } {
  const buffer = Buffer.alloc(100);
  const fd = openSync(`${path}-shm`, 'r');
  try {
    readSync(fd, buffer, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return { frames: buffer.readUInt32LE(16), copied: buffer.readUInt32LE(96) };
}

/** A connection like the store's (WAL, synchronous=FULL) on a new file with one table. */
function openWal(path = newFile()): BetterSqlite3.Database {
  const db = new BetterSqlite3(path, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table if not exists pages (x blob)');
  return db;
}

/** Commits `count` rows of 3000 random bytes in one transaction: about one WAL frame each. */
function insertPages(db: BetterSqlite3.Database, count: number): void {
  db.prepare('insert into pages (x) with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) select randomblob(3000) from n').run(count);
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts the worker at once (no start delay) and waits until it is in charge: the connection's own checkpoint is off. */
async function startReady(db: BetterSqlite3.Database, options: Omit<CheckpointWorkerOptions, 'busyTimeoutMs'>, deps: CheckpointWorkerDeps = {}) {
  const checkpoints = startCheckpointWorker(db, { busyTimeoutMs: 5000, startDelayMs: 0, ...options }, deps);
  assert.notEqual(checkpoints, null);
  await waitFor('the worker to be ready', () => db.pragma('wal_autocheckpoint', { simple: true }) === 0);
  return checkpoints!;
}

/** Until the worker has copied everything in the WAL: it is running (from source, its start takes a while). */
function workerCaughtUp(path: string): Promise<void> {
  return waitFor('the worker to copy the WAL', () => {
    const { frames, copied } = walProgress(path);
    return frames > 0 && copied === frames;
  });
}

function captureLogs() {
  const lines: Array<{ level: 'info' | 'warn' | 'error'; message: string; detail: object }> = [];
  return {
    lines,
    logger: {
      info: (detail: object, message: string) => lines.push({ level: 'info', message, detail }),
      warn: (detail: object, message: string) => lines.push({ level: 'warn', message, detail }),
      error: (detail: object, message: string) => lines.push({ level: 'error', message, detail }),
    },
  };
}

/** Runs checkpoint-child.ts under tsx; resolves with its exit code, output, and whether it ended within `timeoutMs`. */
function runChild(moduleUrl: URL, file: string, ending: 'close' | 'leave-open', timeoutMs = 30_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; endedByItself: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, moduleUrl.href, file, ending], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let endedByItself = true;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      endedByItself = false;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, endedByItself });
    });
  });
}

describe('SQLite checkpoint worker', () => {
  it('starts for no database but a file in WAL mode, and leaves the others as they were', async () => {
    const inDeleteMode = new BetterSqlite3(newFile());
    inDeleteMode.pragma('journal_mode = DELETE');
    for (const db of [new BetterSqlite3(':memory:'), new BetterSqlite3(''), inDeleteMode]) {
      try {
        assert.equal(startCheckpointWorker(db, { busyTimeoutMs: 5000 }), null, db.name);
        assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, db.name);
      } finally {
        db.close();
      }
    }
  });

  it("turns the store connection's own checkpoint off: past 1000 pages, the WAL is still all there", async () => {
    // Control: without the worker, SQLite copies the WAL in the commit that passes 1000 pages.
    const controlPath = newFile();
    const control = openWal(controlPath);
    insertPages(control, 1500);
    assert.ok(walProgress(controlPath).copied > 0, 'SQLite checkpoints by itself without the worker');
    control.close();

    const path = newFile();
    const db = openWal(path);
    // A worker that will not poll during this test: whatever gets copied, the store's connection copied.
    const checkpoints = await startReady(db, { pollMs: 3_600_000 });
    try {
      insertPages(db, 1500);
      const progress = walProgress(path);
      assert.ok(progress.frames >= 1500, `${progress.frames} frames in the WAL`);
      assert.equal(progress.copied, 0);
    } finally {
      await checkpoints?.stop();
      db.close();
    }
  });

  it('leaves SQLite checkpointing until the worker has started and is ready', async () => {
    const db = openWal();
    const checkpoints = startCheckpointWorker(db, { busyTimeoutMs: 5000, startDelayMs: 300 });
    try {
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, 'not before the start delay');
      await waitFor('the worker to be ready', () => db.pragma('wal_autocheckpoint', { simple: true }) === 0);
    } finally {
      await checkpoints?.stop();
      db.close();
    }
  });

  it('never starts a worker for a store closed within the start delay', async () => {
    const db = openWal();
    const { logger, lines } = captureLogs();
    // Had it started, this worker would fail, and say so.
    const checkpoints = startCheckpointWorker(db, { busyTimeoutMs: 5000, startDelayMs: 100 }, { logger, workerUrl: new URL('./no-such-worker.js', import.meta.url) });
    await checkpoints?.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(lines, []);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    db.close();
  });

  it('copies the WAL into the database from its own thread; the next write starts the WAL over', async () => {
    const path = newFile();
    const db = openWal(path);
    const checkpoints = await startReady(db, { pollMs: 20 });
    try {
      insertPages(db, 300);
      await waitFor('the worker to copy the WAL', () => {
        const { frames, copied } = walProgress(path);
        return frames >= 300 && copied === frames;
      });
      const walBytes = statSync(`${path}-wal`).size;
      insertPages(db, 10);
      assert.ok(walProgress(path).frames < 300, 'the WAL started over');
      assert.equal(statSync(`${path}-wal`).size, walBytes, 'the WAL file was written over, not grown');
      assert.equal((db.prepare('select count(*) as n from pages').get() as { n: number }).n, 310);
    } finally {
      await checkpoints?.stop();
      db.close();
    }
  });

  it('keeps the WAL near its limit under steady writes, holding the store only while it starts the WAL over', async () => {
    const path = newFile();
    const db = openWal(path);
    const pageBytes = db.pragma('page_size', { simple: true }) as number;
    const walLimitBytes = 64 * pageBytes;
    const { logger, lines } = captureLogs();
    const checkpoints = await startReady(db, { pollMs: 10, walLimitBytes }, { logger });
    try {
      // As the store's driver does: ask before each transaction, then let other work run.
      let written = 0;
      let holds = 0;
      let longestHoldMs = 0;
      let mostFrames = 0;
      const deadline = Date.now() + 20_000;
      while (written < 4000 && Date.now() < deadline) {
        const held = checkpoints.whileHeld();
        if (held !== undefined) {
          holds++;
          const started = Date.now();
          await held;
          longestHoldMs = Math.max(longestHoldMs, Date.now() - started);
        }
        insertPages(db, 4);
        written += 4;
        mostFrames = Math.max(mostFrames, walProgress(path).frames);
        await nextTurn();
      }
      assert.equal(written, 4000, 'wrote 4000 pages within 20 s');
      assert.ok(holds > 0, 'the worker held the store at least once');
      assert.ok(longestHoldMs < MAX_HOLD_MS, `a hold lasted ${longestHoldMs} ms`);
      // 4000 pages went through a WAL whose limit is 64 pages: it started over many times.
      assert.ok(mostFrames < 1000, `the WAL reached ${mostFrames} frames`);
      assert.ok(statSync(`${path}-wal`).size < 1000 * (pageBytes + 24), 'the WAL file stayed small');
      assert.deepEqual(lines.filter((line) => line.level === 'error'), []);
    } finally {
      await checkpoints?.stop();
      db.close();
    }
  });

  it('hands checkpoints back to SQLite when the worker dies, releases a hold it asked for, and logs it', async () => {
    const path = newFile();
    const db = openWal(path);
    const { logger, lines } = captureLogs();
    const checkpoints = await startReady(db, {}, { logger, workerUrl: CRASHING_WORKER });
    try {
      // The crashing worker asks for a hold, then dies: the store must not wait on it.
      await waitFor('the worker to ask for a hold', () => checkpoints.whileHeld() !== undefined);
      const started = Date.now();
      await checkpoints.whileHeld();
      // It dies 200 ms after asking; the store would give up waiting after MAX_HOLD_MS (1 s).
      assert.ok(Date.now() - started < MAX_HOLD_MS - 200, 'the hold ended with the worker, not at its deadline');
      await waitFor('the failure to be logged', () => lines.length > 0);
      assert.equal(checkpoints.whileHeld(), undefined);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.level, 'error');
      assert.match(lines[0]!.message, /checkpoint worker failed/);
      assert.match(String((lines[0]!.detail as { err?: unknown }).err), /crashed on purpose/);
      // SQLite checkpoints by itself again: the WAL cannot grow without bound.
      insertPages(db, 1500);
      assert.ok(walProgress(path).copied > 0);
      await checkpoints.stop(); // harmless after a crash
    } finally {
      db.close();
    }
  });

  it('hands checkpoints back to SQLite when the worker cannot even start', async () => {
    const db = openWal();
    const { logger, lines } = captureLogs();
    const checkpoints = startCheckpointWorker(db, { busyTimeoutMs: 5000, startDelayMs: 0 }, { logger, workerUrl: new URL('./no-such-worker.js', import.meta.url) });
    try {
      await waitFor('the failure to be logged', () => lines.length > 0);
      assert.equal(lines[0]!.level, 'error');
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    } finally {
      await checkpoints?.stop();
      db.close();
    }
  });
});

describe('SQLite store with its checkpoint worker', () => {
  const where = { projectId: 'proj_ckpt', workspaceId: 'ws_ckpt' };
  const text = 'x'.repeat(3000);
  async function appendMany(store: Store, threadId: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const result = await store.appendMessage({ ...where, threadId, parentId: null, format: 'aui/v0', content: { i, text }, externalId: null });
      assert.ok(result.ok);
      ids.push(result.message.id);
    }
    return ids;
  }

  it('keeps every message across close and reopen; close ends with the WAL copied and removed', async () => {
    const path = newFile();
    let store = createSqliteStore({ path }, { checkpoint: { startDelayMs: 0, pollMs: 20 } });
    await store.migrate();
    const thread = await store.createThread({ ...where, title: 't', lastMessageAt: 1, metadata: null, externalId: null });
    const ids = await appendMany(store, thread.id, 300);
    await store.close();
    assert.equal(existsSync(`${path}-wal`), false, 'the last connection to close copied the WAL and removed it');

    store = createSqliteStore({ path });
    try {
      const stored = await store.listMessages({ projectId: where.projectId, threadId: thread.id, limit: 1000 });
      assert.deepEqual(stored.map((m) => m.id).sort(), [...ids].sort());
    } finally {
      await store.close();
    }
  });

  it('holds its queries through the driver while the worker starts the WAL over, so the WAL stays bounded', async () => {
    const path = newFile();
    const { logger, lines } = captureLogs();
    const store = createSqliteStore({ path }, { logger, checkpoint: { startDelayMs: 0, pollMs: 10, walLimitBytes: 256 * 1024 } });
    try {
      await store.migrate();
      const thread = await store.createThread({ ...where, title: 't', lastMessageAt: 1, metadata: null, externalId: null });
      await workerCaughtUp(path);
      let mostFrames = 0;
      for (let i = 0; i < 20; i++) {
        await appendMany(store, thread.id, 50);
        mostFrames = Math.max(mostFrames, walProgress(path).frames);
      }
      // 1000 appends of about a page each went through a WAL limited to 64 pages of 4 KiB.
      assert.ok(mostFrames < 1000, `the WAL reached ${mostFrames} frames`);
      assert.deepEqual(lines.filter((line) => line.level === 'error'), []);
    } finally {
      await store.close();
    }
  });

  it('goes on, with SQLite checkpointing again, when its worker dies', async () => {
    const path = newFile();
    const { logger, lines } = captureLogs();
    const store = createSqliteStore({ path }, { logger, checkpoint: { startDelayMs: 0, workerUrl: CRASHING_WORKER } });
    try {
      // The dying worker asked for a hold first: these wait for it, then go on.
      await store.migrate();
      const thread = await store.createThread({ ...where, title: 't', lastMessageAt: 1, metadata: null, externalId: null });
      await waitFor('the failure to be logged', () => lines.length > 0);
      // Each append adds at least a page (a 3000-character message): 1200 of them would leave more
      // than 1200 frames in the WAL if nobody copied it. SQLite's own checkpoint starts it over every 1000.
      let mostFrames = 0;
      for (let i = 0; i < 24; i++) {
        await appendMany(store, thread.id, 50);
        mostFrames = Math.max(mostFrames, walProgress(path).frames);
      }
      assert.ok(mostFrames < 1100, `the WAL reached ${mostFrames} frames`);
      assert.ok(statSync(`${path}-wal`).size < 1100 * (4096 + 24), 'the WAL file stayed within what SQLite checkpoints at');
      assert.equal(lines.filter((line) => line.level === 'error').length, 1);
    } finally {
      await store.close();
    }
  });
});

describe('SQLite checkpoint worker in a process of its own', () => {
  for (const ending of ['close', 'leave-open'] as const) {
    it(`lets the process end by itself (${ending === 'close' ? 'store closed' : 'store left open'})`, async () => {
      const result = await runChild(SRC_STORE, newFile(), ending);
      assert.ok(result.endedByItself, `the process did not end within 30 s:\n${result.stderr}`);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { copiedByWorker: true, logged: [] });
    });
  }

  // dist/ is built by `npm test` (and `npm run build`); a missing or stale build is skipped, not failed.
  const distState = !existsSync(fileURLToPath(DIST_THREAD))
    ? 'dist/ has no checkpoint worker: run npm run build'
    : statSync(DIST_THREAD).mtimeMs < statSync(SRC_THREAD).mtimeMs
      ? 'dist/ is older than src/: run npm run build'
      : undefined;
  it('runs the compiled worker from dist/, as `node dist/...` does', { skip: distState }, async () => {
    const result = await runChild(DIST_STORE, newFile(), 'close');
    assert.ok(result.endedByItself, `the process did not end within 30 s:\n${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { copiedByWorker: true, logged: [] });
  });
});
