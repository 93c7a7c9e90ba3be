/**
 * The memory preload on SQLite (the data: memories.ts): built once per size and version into
 * bench/.cache by Threadgate's own migrations and bulk SQL (rows in with the FTS triggers and
 * secondary indexes dropped, then one FTS rebuild and the indexes again), then copied for each run.
 */
import BetterSqlite3 from 'better-sqlite3';
import { PROJECT_ID, type PreloadSize } from './data.js';
import { EMBEDDING_MODEL, memoryPreloadVersion, preloadedMemories } from './memories.js';
import { cachedSqliteFile, copyCached } from './sqlite.js';

export function cachedMemoryPreload(size: PreloadSize, log: (line: string) => void): Promise<string> {
  return cachedSqliteFile(`memories-${size}`, memoryPreloadVersion(), `${size} SQLite memory preload`, (path) => fillMemories(path, size), log);
}

/** A fresh copy of the cached memory preload in `dir`, for one run. */
export function copyMemoryPreload(size: PreloadSize, dir: string, log: (line: string) => void): Promise<string> {
  return copyCached(cachedMemoryPreload(size, log), dir);
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
