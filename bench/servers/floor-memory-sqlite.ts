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

// Ranked in the index first, then the rows of the best hits only, in rounds, as Threadgate's
// dialects/sqlite.ts does.
const ranked = db.prepare('select rowid as seq, -bm25(memories_terms) as score from memories_terms where memories_terms match ? order by bm25(memories_terms), rowid limit ? offset ?');
const rowsOf = (count: number) =>
  db.prepare(`select ${COLUMNS}, m.seq from memories m not indexed where m.seq in (${Array(count).fill('?').join(', ')})
   and m.project_id = ? and m.workspace_id = ? and m.user_id = ? and (m.expires_at is null or m.expires_at > ?)`);
const rowQueries = new Map<number, ReturnType<typeof rowsOf>>();

const vectors = db.prepare(
  `select ${COLUMNS}, m.embedding from memories m where m.project_id = ? and m.workspace_id = ? and m.user_id = ?
   and (m.expires_at is null or m.expires_at > ?) and m.embedding_model = ? and m.embedding is not null`,
);

serveMemoryFloor({
  keyword(words, { workspaceId, userId }, now, limit) {
    const match = matchExpression({ projectId: PROJECT_ID, workspaceId, userId }, words);
    if (match === undefined) return [];
    const hits: MemoryRow[] = [];
    let offset = 0;
    for (let round = limit; ; round = Math.min(round * 4, 1000)) {
      const best = ranked.all(match, round, offset) as Array<{ seq: number; score: number }>;
      if (best.length === 0) return hits;
      let rows = rowQueries.get(best.length);
      if (rows === undefined) rowQueries.set(best.length, (rows = rowsOf(best.length)));
      const bySeq = new Map((rows.all(...best.map((hit) => hit.seq), PROJECT_ID, workspaceId, userId, now) as Array<MemoryRow & { seq: number }>).map((row) => [row.seq, row]));
      for (const { seq, score } of best) {
        const row = bySeq.get(seq);
        if (row === undefined) continue;
        hits.push({ ...row, score });
        if (hits.length === limit) return hits;
      }
      if (best.length < round) return hits;
      offset += round;
    }
  },
  vectors: ({ workspaceId, userId }, now, model) => vectors.all(PROJECT_ID, workspaceId, userId, now, model) as MemoryRow[],
});
