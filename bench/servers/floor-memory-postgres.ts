/**
 * The floor of memory search on PostgreSQL: Hono + pg (a pool of 10, as Threadgate's), no auth, no
 * validation library, no query builder, the same queries as Threadgate's memory module on the same
 * schema and data (the tsvector under its GIN index, one plainto_tsquery per word joined by `||`,
 * ranked by ts_rank_cd, within the owner's scope; the owner's vectors), served by
 * floor-memory-shared.ts. BENCH_MEMORY_LANGUAGE is the text-search configuration (Threadgate's
 * THREADGATE_MEMORY_LANGUAGE).
 */
import pg from 'pg';
import { requireEnv } from './listening.js';
import { COLUMNS, PROJECT_ID, serveMemoryFloor, type MemoryRow } from './floor-memory-shared.js';

// int8 as a number, as postgres-store.ts does (on this pool only).
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};
const pool = new pg.Pool({ connectionString: requireEnv('BENCH_POSTGRES_URL'), max: 10, types });
pool.on('error', () => {});
const language = requireEnv('BENCH_MEMORY_LANGUAGE');

serveMemoryFloor({
  async keyword(words, { workspaceId, userId }, now, limit) {
    // $1 the language, $2.. the words; then the owner, now and the limit.
    const query = words.map((_, i) => `plainto_tsquery($1::regconfig, $${i + 2})`).join(' || ');
    const n = words.length + 2;
    const { rows } = await pool.query<MemoryRow>(
      `select ${COLUMNS}, ts_rank_cd(m.search_vector, (${query}))::float8 as score from memories as m
       where m.search_vector @@ (${query}) and m.project_id = $${n} and m.workspace_id = $${n + 1} and m.user_id = $${n + 2}
       and (m.expires_at is null or m.expires_at > $${n + 3}) order by score desc limit $${n + 4}`,
      [language, ...words, PROJECT_ID, workspaceId, userId, now, limit],
    );
    return rows;
  },
  async vectors({ workspaceId, userId }, now, model) {
    const { rows } = await pool.query<MemoryRow>(
      `select ${COLUMNS}, m.embedding from memories as m where m.project_id = $1 and m.workspace_id = $2 and m.user_id = $3
       and (m.expires_at is null or m.expires_at > $4) and m.embedding_model = $5 and m.embedding is not null`,
      [PROJECT_ID, workspaceId, userId, now, model],
    );
    return rows;
  },
});
