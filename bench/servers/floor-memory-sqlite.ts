/**
 * The floor of memory search on SQLite: Hono + better-sqlite3, no auth, no validation library, no
 * query builder, the same queries as Threadgate's memory module on the same schema and data (the
 * owner comes from `X-User-Id` and `X-Workspace-Id`): FTS5 bm25 with the owner's scope token for
 * `keyword`, and for `hybrid` the query embedded by the same endpoint, the owner's vectors read and
 * compared by exact cosine, and the two lists fused by reciprocal rank fusion.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Hono } from 'hono';
import { requireEnv } from './listening.js';
import { serveHono } from './serve-hono.js';

const PROJECT_ID = 'default';
const db = new BetterSqlite3(requireEnv('BENCH_SQLITE_PATH'), { timeout: 5000 });
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const embeddingsUrl = process.env.BENCH_EMBEDDINGS_URL;
const model = process.env.BENCH_EMBEDDINGS_MODEL ?? '';

const COLUMNS = 'm.id, m.text, m.metadata, m.agent_id, m.thread_id, m.created_at, m.updated_at, m.expires_at';
const keyword = db.prepare(
  `select ${COLUMNS}, -bm25(memories_fts, 1.0, 0.0) as score from memories_fts join memories m on m.seq = memories_fts.rowid
   where memories_fts match ? and m.project_id = ? and m.workspace_id = ? and m.user_id = ? and (m.expires_at is null or m.expires_at > ?)
   order by bm25(memories_fts, 1.0, 0.0) limit ?`,
);
const vectors = db.prepare(
  `select ${COLUMNS}, m.embedding from memories m where m.project_id = ? and m.workspace_id = ? and m.user_id = ?
   and (m.expires_at is null or m.expires_at > ?) and m.embedding_model = ? and m.embedding is not null`,
);

interface Row { id: string; text: string; metadata: string; agent_id: string | null; thread_id: string | null; created_at: number; updated_at: number; expires_at: number | null; score?: number; embedding?: Buffer }

const iso = (ms: number) => new Date(Number(ms)).toISOString();
const wire = (row: Row) => ({
  id: row.id, text: row.text, metadata: JSON.parse(row.metadata) as unknown, agent_id: row.agent_id, thread_id: row.thread_id,
  created_at: iso(row.created_at), updated_at: iso(row.updated_at), expires_at: row.expires_at === null ? null : iso(row.expires_at),
});

function match(query: string, scope: string): string | undefined {
  const words = [...new Set((query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).slice(0, 32))];
  if (words.length === 0) return undefined;
  return `scope_token : "${scope}" AND text : (${words.map((w) => `"${w}"`).join(' OR ')})`;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

async function embed(query: string): Promise<Float32Array> {
  const res = await fetch(`${embeddingsUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input: [query], encoding_format: 'float' }) });
  const body = (await res.json()) as { data: Array<{ embedding: number[] }> };
  return Float32Array.from(body.data[0]!.embedding);
}

const app = new Hono();
app.post('/v1/memories/search', async (c) => {
  const userId = c.req.header('x-user-id') ?? '';
  const workspaceId = c.req.header('x-workspace-id') ?? '';
  const body = (await c.req.json()) as { query?: unknown; limit?: unknown; mode?: unknown };
  if (typeof body.query !== 'string' || body.query === '') return c.json({ error: 'validation_error' }, 400);
  const limit = typeof body.limit === 'number' ? body.limit : 10;
  const now = Date.now();
  const scope = `s${Buffer.from(`${PROJECT_ID}\u001f${workspaceId}\u001f${userId}`, 'utf8').toString('hex')}`;
  const text = match(body.query, scope);
  if (body.mode !== 'hybrid') {
    const rows = text === undefined ? [] : (keyword.all(text, PROJECT_ID, workspaceId, userId, now, limit) as Row[]);
    return c.json({ mode: 'keyword', results: rows.map((row) => ({ memory: wire(row), score: row.score, keyword_score: row.score })) });
  }
  const depth = Math.max(limit * 3, 50);
  const vector = await embed(body.query);
  const semantic = (vectors.all(PROJECT_ID, workspaceId, userId, now, model) as Row[])
    .map((row) => ({ row, score: cosine(vector, new Float32Array(row.embedding!.buffer.slice(row.embedding!.byteOffset, row.embedding!.byteOffset + row.embedding!.byteLength))) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, depth);
  const lexical = text === undefined ? [] : (keyword.all(text, PROJECT_ID, workspaceId, userId, now, depth) as Row[]);
  const fused = new Map<string, { row: Row; score: number; keyword?: number; semantic?: number }>();
  lexical.forEach((row, i) => fused.set(row.id, { row, score: 1 / (61 + i), keyword: row.score! }));
  semantic.forEach((hit, i) => {
    const entry = fused.get(hit.row.id) ?? { row: hit.row, score: 0 };
    entry.score += 1 / (61 + i);
    entry.semantic = hit.score;
    fused.set(hit.row.id, entry);
  });
  const results = [...fused.values()].sort((a, b) => b.score - a.score).slice(0, limit);
  return c.json({ mode: 'hybrid', results: results.map((hit) => ({ memory: wire(hit.row), score: hit.score, keyword_score: hit.keyword, semantic_score: hit.semantic })) });
});
serveHono(app);
