/**
 * The floor of memory search on SQLite: Hono + better-sqlite3, no auth, no validation library, no
 * query builder, the same queries as Threadgate's memory module on the same schema and data
 * (FTS5 bm25 over the owner's terms, built by Threadgate's sqlite-terms.ts as the index format is;
 * the owner's vectors), served by floor-memory-shared.ts.
 */
import BetterSqlite3 from 'better-sqlite3';
import { matchExpression } from '../../src/modules/memory/dialects/sqlite-terms.js';
import { requireEnv } from './listening.js';
import { COLUMNS, PROJECT_ID, serveMemoryFloor, type MemoryRow } from './floor-memory-shared.js';

const db = new BetterSqlite3(requireEnv('BENCH_SQLITE_PATH'), { timeout: 5000 });
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');

const keyword = db.prepare(
  `select ${COLUMNS}, -bm25(memories_terms) as score from memories_terms join memories m on m.seq = memories_terms.rowid
   where memories_terms match ? and m.project_id = ? and m.workspace_id = ? and m.user_id = ? and (m.expires_at is null or m.expires_at > ?)
   order by bm25(memories_terms) limit ?`,
);
const vectors = db.prepare(
  `select ${COLUMNS}, m.embedding from memories m where m.project_id = ? and m.workspace_id = ? and m.user_id = ?
   and (m.expires_at is null or m.expires_at > ?) and m.embedding_model = ? and m.embedding is not null`,
);

serveMemoryFloor({
  keyword(words, { workspaceId, userId }, now, limit) {
    const match = matchExpression({ projectId: PROJECT_ID, workspaceId, userId }, words);
    return match === undefined ? [] : (keyword.all(match, PROJECT_ID, workspaceId, userId, now, limit) as MemoryRow[]);
  },
  vectors: ({ workspaceId, userId }, now, model) => vectors.all(PROJECT_ID, workspaceId, userId, now, model) as MemoryRow[],
});
