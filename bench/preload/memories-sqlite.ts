/**
 * The memory preload on SQLite (the data: memories.ts): built once per size and version into
 * bench/.cache by Threadgate's own migrations and bulk SQL (rows in with the FTS triggers and
 * secondary indexes dropped, then one FTS rebuild and the indexes again), then copied for each run.
 */
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PROJECT_ID, type PreloadSize } from './data.js';
import { EMBEDDING_MODEL, memoryPreloadVersion, preloadedMemories } from './memories.js';
import { CACHE_DIR } from './sqlite.js';

export async function cachedMemoryPreload(size: PreloadSize, log: (line: string) => void): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, `memories-${size}-${memoryPreloadVersion()}.db`);
  if (existsSync(path)) return path;
  const building = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  // Preloads of older versions are of no further use.
  for (const name of readdirSync(CACHE_DIR)) if (name.startsWith(`memories-${size}-`)) rmSync(join(CACHE_DIR, name), { force: true });
  const started = Date.now();
  log(`building the ${size} SQLite memory preload (${path}) ...`);
  const store = createSqliteStore({ path: building });
  await store.migrate();
  await store.close();
  fillMemories(building, size);
  renameSync(building, path);
  log(`built the ${size} SQLite memory preload in ${((Date.now() - started) / 1000).toFixed(1)} s (${(statSync(path).size / 1e6).toFixed(0)} MB)`);
  return path;
}

export async function copyMemoryPreload(size: PreloadSize, dir: string, log: (line: string) => void): Promise<string> {
  const cached = await cachedMemoryPreload(size, log);
  const copy = join(dir, `memories-${size}.db`);
  copyFileSync(cached, copy);
  return copy;
}

function fillMemories(path: string, size: PreloadSize): void {
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    // Rows in with the FTS triggers and secondary indexes dropped; then one FTS rebuild and the
    // indexes again from their stored definitions.
    const objects = db
      .prepare("select type, name, sql from sqlite_master where tbl_name = 'memories' and type in ('index', 'trigger') and sql is not null")
      .all() as { type: string; name: string; sql: string }[];
    for (const object of objects) db.exec(`drop ${object.type} "${object.name}"`);
    const insert = db.prepare(
      `insert into memories (id, project_id, workspace_id, user_id, agent_id, thread_id, text, metadata, created_at, updated_at, expires_at, embedding, embedding_model, embed_pending)
       values (?, ?, ?, ?, null, null, ?, ?, ?, ?, null, ?, ?, 0)`,
    );
    db.transaction(() => {
      for (const m of preloadedMemories(size)) insert.run(m.id, PROJECT_ID, m.workspaceId, m.userId, m.text, m.metadata, m.at, m.at, m.embedding, EMBEDDING_MODEL);
    })();
    db.exec("insert into memories_fts(memories_fts) values ('rebuild')");
    for (const object of objects) db.exec(object.sql);
    // No ANALYZE: Threadgate never runs one, so the planner sees what it sees in production.
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
