/**
 * The checkpoint worker (src/store/sqlite/checkpoint-worker.ts): the store's connection keeps
 * SQLite's own checkpoint (1000 pages), the worker copies new WAL frames into the database from its
 * own thread so that the commit crossing 1000 pages finds little left to copy, the WAL keeps
 * starting over under steady writes, a WAL that cannot start over is reported, a dead worker is
 * logged, and close stops the worker. What the WAL holds is read from the `-shm` file, so that no
 * probe connection checkpoints by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { startCheckpointWorker, type CheckpointWorkerDeps, type CheckpointWorkerOptions } from '../../../src/store/sqlite/checkpoint-worker.js';
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

/** SQLite's default `wal_autocheckpoint`, pages: the store's connection keeps it. */
const AUTOCHECKPOINT_PAGES = 1000;

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

/** Starts the worker at once (no start delay). */
function startNow(db: BetterSqlite3.Database, options: Omit<CheckpointWorkerOptions, 'busyTimeoutMs'> = {}, deps: CheckpointWorkerDeps = {}) {
  const checkpoints = startCheckpointWorker(db, { busyTimeoutMs: 5000, startDelayMs: 0, ...options }, deps);
  assert.notEqual(checkpoints, null);
  return checkpoints!;
}

/**
 * Commits `pages` pages, 4 to a transaction, about one commit a millisecond, reading the `-shm`
 * header around each commit. `mostCopiedInCommit` bounds what SQLite's own checkpoint copied in the
 * commits that crossed 1000 pages: the frames copied during such a commit (the worker may have
 * copied some of them meanwhile, so it can only overstate).
 */
async function writeSteadily(db: BetterSqlite3.Database, path: string, pages: number) {
  let mostCopiedInCommit = 0;
  let crossings = 0;
  let restarts = 0;
  let mostFrames = 0;
  for (let written = 0; written < pages; written += 4) {
    const before = walProgress(path);
    insertPages(db, 4);
    const now = walProgress(path);
    mostFrames = Math.max(mostFrames, now.frames);
    // The first write after a checkpoint that copied everything starts the WAL over.
    if (now.frames < before.frames) restarts++;
    else if (now.frames >= AUTOCHECKPOINT_PAGES && now.copied > before.copied) {
      crossings++;
      mostCopiedInCommit = Math.max(mostCopiedInCommit, now.copied - before.copied);
    }
    await sleep(1);
  }
  return { mostCopiedInCommit, crossings, restarts, mostFrames };
}

describe('SQLite checkpoint worker', () => {
  it('starts for no database but a file in WAL mode, and leaves the others as they were', async () => {
    const inDeleteMode = new BetterSqlite3(newFile());
    inDeleteMode.pragma('journal_mode = DELETE');
    for (const db of [new BetterSqlite3(':memory:'), new BetterSqlite3(''), inDeleteMode]) {
      try {
        assert.equal(startCheckpointWorker(db, { busyTimeoutMs: 5000 }), null, db.name);
        assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), AUTOCHECKPOINT_PAGES, db.name);
      } finally {
        db.close();
      }
    }
  });

  it('never starts a worker for a store closed within the start delay', async () => {
    const db = openWal();
    const { logger, lines } = captureLogs();
    // Had it started, this worker would fail, and say so.
    const checkpoints = startCheckpointWorker(db, { busyTimeoutMs: 5000, startDelayMs: 100 }, { logger, workerUrl: new URL('./no-such-worker.js', import.meta.url) });
    await checkpoints?.stop();
    await sleep(300);
    assert.deepEqual(lines, []);
    db.close();
  });

  it("copies new WAL frames into the database from its own thread, long before SQLite's own checkpoint would", async () => {
    // Control: under 1000 pages, nobody copies anything without the worker.
    const controlPath = newFile();
    const control = openWal(controlPath);
    insertPages(control, 300);
    await sleep(200);
    assert.equal(walProgress(controlPath).copied, 0, 'SQLite copies nothing under 1000 pages by itself');
    control.close();

    const path = newFile();
    const db = openWal(path);
    const checkpoints = startNow(db, { pollMs: 20 });
    try {
      insertPages(db, 300);
      await waitFor('the worker to copy the WAL', () => {
        const { frames, copied } = walProgress(path);
        return frames >= 300 && copied === frames;
      });
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), AUTOCHECKPOINT_PAGES, "the store's connection still checkpoints by itself");
      const walBytes = statSync(`${path}-wal`).size;
      insertPages(db, 10);
      assert.ok(walProgress(path).frames < 300, 'the WAL started over');
      assert.equal(statSync(`${path}-wal`).size, walBytes, 'the WAL file was written over, not grown');
      assert.equal((db.prepare('select count(*) as n from pages').get() as { n: number }).n, 310);
    } finally {
      await checkpoints.stop();
      db.close();
    }
  });

  it('leaves the commits that cross 1000 pages little to copy, and the WAL keeps starting over', async () => {
    // Control: without the worker, such a commit copies the whole WAL.
    const controlPath = newFile();
    const control = openWal(controlPath);
    const alone = await writeSteadily(control, controlPath, 2400);
    control.close();
    assert.ok(alone.crossings >= 2, `${alone.crossings} commits crossed 1000 pages without the worker`);
    assert.ok(alone.mostCopiedInCommit >= 900, `without the worker, a commit copied ${alone.mostCopiedInCommit} frames`);

    const path = newFile();
    const db = openWal(path);
    const { logger, lines } = captureLogs();
    const checkpoints = startNow(db, { pollMs: 10 }, { logger });
    try {
      // From source, the worker takes a while to start: write a page at a time until it has copied them.
      await waitFor('the worker to run', () => {
        const { frames, copied } = walProgress(path);
        if (frames > 0 && copied === frames) return true;
        insertPages(db, 1);
        return false;
      });
      const helped = await writeSteadily(db, path, 4000);
      assert.ok(helped.mostCopiedInCommit < 250, `with the worker, a commit copied up to ${helped.mostCopiedInCommit} frames`);
      assert.ok(helped.restarts >= 3, `4000 pages went through the WAL, which started over ${helped.restarts} times`);
      assert.ok(helped.mostFrames < 1200, `the WAL reached ${helped.mostFrames} frames`);
      assert.deepEqual(lines, []);
    } finally {
      await checkpoints.stop();
      db.close();
    }
  });

  it('warns while a reader keeps the WAL from starting over, and says when it has', async () => {
    const path = newFile();
    const db = openWal(path);
    const pageBytes = db.pragma('page_size', { simple: true }) as number;
    const { logger, lines } = captureLogs();
    const checkpoints = startNow(db, { pollMs: 10, walWarnBytes: 64 * pageBytes }, { logger });
    const reader = new BetterSqlite3(path);
    try {
      // A read transaction that keeps its snapshot, as a long report in another process would.
      reader.exec('begin');
      reader.prepare('select count(*) from pages').get();
      const warnings = () => lines.filter((line) => line.level === 'warn');
      insertPages(db, 100);
      await waitFor('the warning', () => warnings().length === 1);
      assert.match(warnings()[0]!.message, /WAL keeps growing/);
      const firstAt = (warnings()[0]!.detail as { walBytes: number }).walBytes;
      assert.ok(firstAt >= 64 * pageBytes, `warned at ${firstAt} bytes`);
      // Warned again once the WAL has doubled, not at each poll.
      await sleep(100);
      assert.equal(warnings().length, 1);
      insertPages(db, Math.ceil(firstAt / pageBytes) + 10);
      await waitFor('the second warning', () => warnings().length === 2);
      assert.ok((warnings()[1]!.detail as { walBytes: number }).walBytes >= 2 * firstAt);
      assert.equal(lines.filter((line) => line.level === 'info').length, 0);

      reader.exec('commit');
      await waitFor('the worker to copy the WAL', () => {
        const { frames, copied } = walProgress(path);
        return copied === frames;
      });
      insertPages(db, 1);
      await waitFor('the WAL to be reported back', () => lines.some((line) => line.level === 'info'));
      assert.match(lines.at(-1)!.message, /WAL has started over/);
      assert.deepEqual(lines.filter((line) => line.level === 'error'), []);
    } finally {
      reader.close();
      await checkpoints.stop();
      db.close();
    }
  });

  it('logs the death of the worker once; SQLite goes on checkpointing by itself', async () => {
    const path = newFile();
    const db = openWal(path);
    const { logger, lines } = captureLogs();
    const checkpoints = startNow(db, {}, { logger, workerUrl: CRASHING_WORKER });
    try {
      await waitFor('the failure to be logged', () => lines.length > 0);
      await sleep(100);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.level, 'error');
      assert.match(lines[0]!.message, /checkpoint worker failed/);
      assert.match(String((lines[0]!.detail as { err?: unknown }).err), /crashed on purpose/);
      insertPages(db, 1500);
      assert.ok(walProgress(path).copied > 0, 'SQLite copied the WAL past 1000 pages');
      await checkpoints.stop(); // harmless after a crash
    } finally {
      db.close();
    }
  });

  it('logs a worker that cannot even start', async () => {
    const db = openWal();
    const { logger, lines } = captureLogs();
    const checkpoints = startNow(db, {}, { logger, workerUrl: new URL('./no-such-worker.js', import.meta.url) });
    try {
      await waitFor('the failure to be logged', () => lines.length > 0);
      assert.equal(lines[0]!.level, 'error');
      assert.match(lines[0]!.message, /checkpoint worker failed/);
    } finally {
      await checkpoints.stop();
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

  it('copies ahead of SQLite under steady appends, and the WAL stays near 1000 pages', async () => {
    const path = newFile();
    const { logger, lines } = captureLogs();
    const store = createSqliteStore({ path }, { logger, checkpoint: { startDelayMs: 0, pollMs: 10 } });
    try {
      await store.migrate();
      const thread = await store.createThread({ ...where, title: 't', lastMessageAt: 1, metadata: null, externalId: null });
      let mostFrames = 0;
      let copiedAhead = false;
      // Each append adds at least a page (a 3000-character message): 1200 of them would leave more
      // than 1200 frames in the WAL if it never started over.
      for (let i = 0; i < 24; i++) {
        await appendMany(store, thread.id, 50);
        const { frames, copied } = walProgress(path);
        mostFrames = Math.max(mostFrames, frames);
        copiedAhead ||= frames > 0 && frames < AUTOCHECKPOINT_PAGES && copied > 0;
        await sleep(15);
      }
      assert.ok(copiedAhead, 'the worker copied frames before SQLite would have');
      assert.ok(mostFrames < 1200, `the WAL reached ${mostFrames} frames`);
      assert.ok(statSync(`${path}-wal`).size < 1200 * (4096 + 24), 'the WAL file stayed near 1000 pages');
      assert.deepEqual(lines, []);
    } finally {
      await store.close();
    }
  });

  it('goes on when its worker dies, and logs it', async () => {
    const path = newFile();
    const { logger, lines } = captureLogs();
    const store = createSqliteStore({ path }, { logger, checkpoint: { startDelayMs: 0, workerUrl: CRASHING_WORKER } });
    try {
      await store.migrate();
      const thread = await store.createThread({ ...where, title: 't', lastMessageAt: 1, metadata: null, externalId: null });
      await waitFor('the failure to be logged', () => lines.length > 0);
      const ids = await appendMany(store, thread.id, 100);
      assert.equal(ids.length, 100);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.level, 'error');
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

  // dist/ is built by `npm test` (and `npm run build`). Run alone, a missing or stale build is
  // skipped; in CI it fails, so that the compiled worker is never left untested.
  const distState = !existsSync(fileURLToPath(DIST_THREAD))
    ? 'dist/ has no checkpoint worker: run npm run build'
    : statSync(DIST_THREAD).mtimeMs < statSync(SRC_THREAD).mtimeMs
      ? 'dist/ is older than src/: run npm run build'
      : undefined;
  const inCi = process.env.CI === 'true';
  it('runs the compiled worker from dist/, as `node dist/...` does', { skip: inCi ? false : distState }, async () => {
    if (distState !== undefined) assert.fail(`CI=true: ${distState}`);
    const result = await runChild(DIST_STORE, newFile(), 'close');
    assert.ok(result.endedByItself, `the process did not end within 30 s:\n${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { copiedByWorker: true, logged: [] });
  });
});
