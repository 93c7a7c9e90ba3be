/**
 * The SQLite preload: built once per data size and schema version into bench/.cache (the schema
 * by Threadgate's own migrations, the rows by bulk SQL), then copied to a temp file for each run so
 * a run's appends never reach the cache. Building the large set takes under a minute; a copy takes
 * a second or two.
 */
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import {
  MESSAGE_FORMAT, MESSAGES_PER_THREAD, PROJECT_ID, THREADS_PER_USER, messageContent, messageCreatedAt, messageId,
  threadCreatedAt, threadId, userCount, userId, workspaceId, type PreloadSize,
} from './data.js';
import { schemaVersion } from './schema-version.js';

export const CACHE_DIR = join(import.meta.dirname, '..', '.cache');

/**
 * The cached file `<name>-<version>.db`, built first if missing: the schema by Threadgate's
 * migrations, then `fill`. Older versions of `<name>` are removed (of no further use).
 */
export async function cachedSqliteFile(name: string, version: string, description: string, fill: (path: string) => void, log: (line: string) => void): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, `${name}-${version}.db`);
  if (existsSync(path)) return path;
  const building = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  const started = Date.now();
  for (const file of readdirSync(CACHE_DIR)) if (file.startsWith(`${name}-`)) rmSync(join(CACHE_DIR, file), { force: true });
  log(`building the ${description} (${path}) ...`);
  const store = createSqliteStore({ path: building });
  await store.migrate();
  await store.close();
  fill(building);
  renameSync(building, path);
  log(`built the ${description} in ${((Date.now() - started) / 1000).toFixed(1)} s (${(statSync(path).size / 1e6).toFixed(0)} MB)`);
  return path;
}

/** A fresh copy of a cached file in `dir`, for one run. */
export async function copyCached(cached: Promise<string>, dir: string): Promise<string> {
  const copy = join(dir, basename(await cached).replace(/-[0-9a-f]{12}\.db$/, '.db'));
  copyFileSync(await cached, copy);
  return copy;
}

/** The cached file for this size, built first if missing. */
export function cachedSqlitePreload(size: PreloadSize, log: (line: string) => void): Promise<string> {
  return cachedSqliteFile(`threadgate-${size}`, schemaVersion(), `${size} SQLite preload`, (path) => fillSqlite(path, size), log);
}

/** A fresh copy of the cached preload in `dir`, for one run. */
export function copySqlitePreload(size: PreloadSize, dir: string, log: (line: string) => void): Promise<string> {
  return copyCached(cachedSqlitePreload(size, log), dir);
}

function fillSqlite(path: string, size: PreloadSize): void {
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    // Rows go in with the secondary indexes dropped, and the indexes are rebuilt from their own
    // stored definitions afterwards: several times faster than maintaining them row by row.
    const indexes = db
      .prepare("select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in ('threads', 'messages', 'users')")
      .all() as { name: string; sql: string }[];
    for (const index of indexes) db.exec(`drop index "${index.name}"`);
    const insertUser = db.prepare('insert into users (project_id, id, anonymous, created_at, tokens_valid_after) values (?, ?, 0, ?, null)');
    const insertThread = db.prepare(
      'insert into threads (id, project_id, workspace_id, title, last_message_at, metadata, external_id, is_archived, created_at, updated_at) values (?, ?, ?, ?, ?, ?, null, 0, ?, ?)',
    );
    const insertMessage = db.prepare(
      'insert into messages (id, project_id, thread_id, parent_id, height, format, content, external_id, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, null, ?, ?)',
    );
    db.transaction(() => {
      for (let u = 0; u < userCount(size); u++) {
        insertUser.run(PROJECT_ID, userId(u), threadCreatedAt(u, 0));
        for (let t = 0; t < THREADS_PER_USER; t++) {
          const last = messageCreatedAt(u, t, MESSAGES_PER_THREAD - 1);
          insertThread.run(threadId(u, t), PROJECT_ID, workspaceId(u), `Thread ${t}`, last, 'null', threadCreatedAt(u, t), last);
          for (let m = 0; m < MESSAGES_PER_THREAD; m++) {
            const at = messageCreatedAt(u, t, m);
            insertMessage.run(messageId(u, t, m), PROJECT_ID, threadId(u, t), m === 0 ? null : messageId(u, t, m - 1), m, MESSAGE_FORMAT, messageContent(u, t, m), at, at);
          }
        }
      }
    })();
    for (const index of indexes) db.exec(index.sql);
    // No ANALYZE: Threadgate never runs one, so the planner sees what it sees in production.
    // Threadgate opens it in WAL mode; switching here keeps the first open of each copy quick.
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
