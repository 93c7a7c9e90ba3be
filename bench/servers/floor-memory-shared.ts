/**
 * What both memory floors share (floor-memory-sqlite.ts, floor-memory-postgres.ts): the HTTP
 * handler of `POST /v1/memories/search` over a database's two queries: the owner from `X-User-Id`
 * and `X-Workspace-Id`, the query's words (as src/modules/memory/search-tokens.ts takes them), the
 * query embedded by the same endpoint as Threadgate's, exact cosine over the owner's vectors and
 * reciprocal rank fusion (k = 60) of the two lists, and the row → wire JSON mapping.
 */
import { Hono } from 'hono';
import { serveHono } from './serve-hono.js';

export const PROJECT_ID = 'default';

export interface MemoryRow {
  id: string; text: string; metadata: string; agent_id: string | null; thread_id: string | null;
  created_at: number; updated_at: number; expires_at: number | null; score?: number; embedding?: Uint8Array;
}

export interface Owner {
  workspaceId: string;
  userId: string;
}

export interface MemoryFloorDb {
  /** The owner's live memories matching any of `words`, best first, with `score`. */
  keyword(words: readonly string[], owner: Owner, now: number, limit: number): Promise<MemoryRow[]> | MemoryRow[];
  /** The owner's live memories with a vector of `model`, with `embedding`. */
  vectors(owner: Owner, now: number, model: string): Promise<MemoryRow[]> | MemoryRow[];
}

/** The columns both floors select (as Threadgate's repository, less what it never sends). */
export const COLUMNS = 'm.id, m.text, m.metadata, m.agent_id, m.thread_id, m.created_at, m.updated_at, m.expires_at';

const iso = (ms: number) => new Date(Number(ms)).toISOString();
const wire = (row: MemoryRow) => ({
  id: row.id, text: row.text, metadata: JSON.parse(row.metadata) as unknown, agent_id: row.agent_id, thread_id: row.thread_id,
  created_at: iso(row.created_at), updated_at: iso(row.updated_at), expires_at: row.expires_at === null ? null : iso(row.expires_at),
});

function words(query: string): string[] {
  return [...new Set((query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).slice(0, 32))];
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** float32 little-endian bytes as a vector (copied: a pooled Buffer may not be 4-byte aligned). */
const vectorOf = (bytes: Uint8Array) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

export function serveMemoryFloor(db: MemoryFloorDb): void {
  const embeddingsUrl = process.env.BENCH_EMBEDDINGS_URL;
  const model = process.env.BENCH_EMBEDDINGS_MODEL ?? '';

  async function embed(query: string): Promise<Float32Array> {
    const res = await fetch(`${embeddingsUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input: [query], encoding_format: 'float' }) });
    const body = (await res.json()) as { data: Array<{ embedding: number[] }> };
    return Float32Array.from(body.data[0]!.embedding);
  }

  const app = new Hono();
  app.post('/v1/memories/search', async (c) => {
    const owner = { userId: c.req.header('x-user-id') ?? '', workspaceId: c.req.header('x-workspace-id') ?? '' };
    const body = (await c.req.json()) as { query?: unknown; limit?: unknown; mode?: unknown };
    if (typeof body.query !== 'string' || body.query === '') return c.json({ error: 'validation_error' }, 400);
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const now = Date.now();
    const tokens = words(body.query);
    const keyword = async (count: number) => (tokens.length === 0 ? [] : await db.keyword(tokens, owner, now, count));
    if (body.mode !== 'hybrid') {
      const rows = await keyword(limit);
      return c.json({ mode: 'keyword', results: rows.map((row) => ({ memory: wire(row), score: row.score, keyword_score: row.score })) });
    }
    const depth = Math.max(limit * 3, 50);
    const vector = await embed(body.query);
    const semantic = (await db.vectors(owner, now, model))
      .map((row) => ({ row, score: cosine(vector, vectorOf(row.embedding!)) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, depth);
    const lexical = await keyword(depth);
    const fused = new Map<string, { row: MemoryRow; score: number; keyword?: number; semantic?: number }>();
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
}
