/**
 * The memory preload (SQLite): `users` users (1,000 for the large set, 10 for the small one) with
 * 1,000 memories each, so 1M or 10k memories in all, built once per size and schema version into
 * bench/.cache by Threadgate's own migrations and bulk SQL (the FTS index rebuilt in one pass), then
 * copied for each run. The memories of the 10 bench users carry 384-dimension vectors from the
 * deterministic embedder of test/helpers/embeddings-server.ts; the other users' carry none (an
 * exact semantic search reads only the caller's vectors, so theirs would change the file's size,
 * not the query), and the bench says so in its notes.
 *
 * Texts are 8 to 16 words drawn with a skewed (Zipf-like) frequency from a 2,000-word vocabulary
 * plus a few concept words, so a query word matches from a handful to most of a user's memories,
 * as real text does.
 */
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { vectorToBytes } from '../../src/modules/memory/memory-repository.js';
import { embedText } from '../../test/helpers/embeddings-server.js';
import { BASE_TIME_MS, PROJECT_ID, userId, workspaceId, type PreloadSize } from './data.js';
import { schemaVersion } from './schema-version.js';
import { CACHE_DIR } from './sqlite.js';

export const MEMORIES_PER_USER = 1000;
export const EMBEDDING_DIMENSIONS = 384;
export const EMBEDDING_MODEL = 'bench-embed-384';

export const memoryUserCount = (size: PreloadSize) => (size === 'large' ? 1000 : 10);

/** The users the requests act as: 10, spread over the set (the same ids at both sizes). */
export function memoryBenchUsers(size: PreloadSize): number[] {
  const step = memoryUserCount(size) / 10;
  return Array.from({ length: 10 }, (_, i) => i * step);
}

const CONCEPT_WORDS = ['coffee', 'espresso', 'dog', 'puppy', 'ocean', 'sailing', 'mountain', 'hiking', 'peanut', 'allergic'];
const VOCABULARY = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}`);

/** A small deterministic generator (mulberry32), so every build has the same texts. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function memoryText(u: number, i: number): string {
  const next = random(u * 1_000_003 + i);
  const words: string[] = [];
  const length = 8 + Math.floor(next() * 9);
  for (let k = 0; k < length; k++) {
    // One word in eight is a concept word; the rest Zipf-like over the vocabulary.
    words.push(next() < 0.125 ? CONCEPT_WORDS[Math.floor(next() * CONCEPT_WORDS.length)]! : VOCABULARY[Math.floor(VOCABULARY.length * next() ** 3)]!);
  }
  return words.join(' ');
}

/** The queries the bench sends, in turn: a common word, a concept pair, a rarer word. */
export const MEMORY_QUERIES = ['coffee', 'dog hiking', `${VOCABULARY[40]} ${VOCABULARY[900]}`];

export async function cachedMemoryPreload(size: PreloadSize, log: (line: string) => void): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, `memories-${size}-${schemaVersion()}.db`);
  if (existsSync(path)) return path;
  const building = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  for (const name of readdirSync(CACHE_DIR)) if (name.startsWith(`memories-${size}-`)) rmSync(join(CACHE_DIR, name), { force: true });
  const started = Date.now();
  log(`building the ${size} memory preload (${path}) ...`);
  const store = createSqliteStore({ path: building });
  await store.migrate();
  await store.close();
  fillMemories(building, size);
  renameSync(building, path);
  log(`built the ${size} memory preload in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
    // Rows in with the FTS triggers and secondary indexes dropped; then one FTS rebuild and the
    // indexes again from their stored definitions.
    const objects = db
      .prepare("select type, name, sql from sqlite_master where tbl_name = 'memories' and type in ('index', 'trigger') and sql is not null")
      .all() as { type: string; name: string; sql: string }[];
    for (const object of objects) db.exec(`drop ${object.type} "${object.name}"`);
    const insert = db.prepare(
      `insert into memories (id, project_id, workspace_id, user_id, agent_id, thread_id, text, metadata, created_at, updated_at, expires_at, embedding, embedding_model, embed_pending)
       values (?, ?, ?, ?, null, null, ?, ?, ?, ?, null, ?, ?, ?)`,
    );
    const benchUsers = new Set(memoryBenchUsers(size));
    db.transaction(() => {
      for (let u = 0; u < memoryUserCount(size); u++) {
        const embedded = benchUsers.has(u);
        for (let i = 0; i < MEMORIES_PER_USER; i++) {
          const text = memoryText(u, i);
          const at = BASE_TIME_MS + u * MEMORIES_PER_USER * 1000 + i * 1000;
          const vector = embedded ? vectorToBytes(Float32Array.from(embedText(text, EMBEDDING_DIMENSIONS))) : null;
          insert.run(`mem_${String(u * MEMORIES_PER_USER + i).padStart(26, '0')}`, PROJECT_ID, workspaceId(u), userId(u), text, `{"i":${i}}`, at, at, vector, embedded ? EMBEDDING_MODEL : null, 0);
        }
      }
    })();
    db.exec("insert into memories_fts(memories_fts) values ('rebuild')");
    for (const object of objects) db.exec(object.sql);
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
