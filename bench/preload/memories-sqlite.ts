/**
 * The memory preload on SQLite (the data: memories.ts): built once per size and version into
 * bench/.cache by Threadgate's own migrations and bulk SQL (rows in, with the owner-scoped search
 * terms Threadgate writes, the FTS triggers and secondary indexes dropped, then one FTS rebuild and
 * the indexes again), then copied for each run.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { indexTerms } from '../../src/modules/memory/dialects/sqlite-terms.js';
import { PROJECT_ID, type PreloadSize } from './data.js';
import { EMBEDDING_MODEL, memoryPreloadVersion, preloadedMemories } from './memories.js';
import { cachedSqliteFile, copyCached } from './sqlite.js';

/** The SQLite terms are computed by code outside the migrations: a change to it is a new preload too. */
const TERMS_SOURCES = ['sqlite-terms.ts', 'porter-stem.ts'].map((name) => new URL(`../../src/modules/memory/dialects/${name}`, import.meta.url));

function sqliteMemoryPreloadVersion(): string {
  const hash = createHash('sha256').update(memoryPreloadVersion());
  for (const source of TERMS_SOURCES) hash.update('\0').update(readFileSync(source));
  return hash.digest('hex').slice(0, 12);
}

export function cachedMemoryPreload(size: PreloadSize, log: (line: string) => void): Promise<string> {
  return cachedSqliteFile(`memories-${size}`, sqliteMemoryPreloadVersion(), `${size} SQLite memory preload`, (path) => fillMemories(path, size), log);
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
      `insert into memories (id, project_id, workspace_id, user_id, agent_id, thread_id, text, metadata, created_at, updated_at, expires_at, embedding, embedding_model, embed_pending, search_terms)
       values (?, ?, ?, ?, null, null, ?, ?, ?, ?, null, ?, ?, 0, ?)`,
    );
    db.transaction(() => {
      for (const m of preloadedMemories(size)) {
        // The owner's terms, as Threadgate's repository writes them (dialects/sqlite-terms.ts).
        const terms = indexTerms({ projectId: PROJECT_ID, workspaceId: m.workspaceId, userId: m.userId }, m.text);
        insert.run(m.id, PROJECT_ID, m.workspaceId, m.userId, m.text, m.metadata, m.at, m.at, m.embedding, EMBEDDING_MODEL, terms);
      }
    })();
    db.exec("insert into memories_terms(memories_terms) values ('rebuild')");
    for (const object of objects) db.exec(object.sql);
    // No ANALYZE: Threadgate never runs one, so the planner sees what it sees in production.
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
