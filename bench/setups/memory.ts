/**
 * Memory search (issue 13, item 7), on SQLite and PostgreSQL: `POST /v1/memories/search` for one
 * user with 1,000 memories, in a database of 1M memories (or 10k with `--small`, and always in the
 * `-10k` setups), `keyword` (SQLite: BM25 over FTS5; PostgreSQL: ts_rank_cd over a tsvector under a
 * GIN index) or `hybrid` (keyword + exact cosine over 384-dimension vectors, fused by reciprocal
 * rank fusion). Compared with a floor server doing the same queries (target ≥ 0.6× its
 * throughput), and the 1M p50 with the 10k p50 (target ≤ 1.5×). The embeddings endpoint is the
 * deterministic OpenAI-protocol peer of test/helpers, in the bench's own process (on the load
 * core), for Threadgate and the floor alike.
 */
import { createApiKey, mintWorkspaceToken } from '../threadgate-credentials.js';
import { userId, workspaceId, type PreloadSize } from '../preload/data.js';
import { EMBEDDING_DIMENSIONS, EMBEDDING_MODEL, MEMORY_QUERIES, memoryBenchUsers } from '../preload/memories.js';
import { MEMORY_LANGUAGE } from '../preload/memories-postgres.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../../test/helpers/embeddings-server.js';
import { startThreadgate, stopOnFailure } from './threadgate-process.js';
import type { DatabaseKind } from './work-shared.js';
import type { LoadRequest } from '../load.js';
import type { Setup } from './types.js';

export type MemoryMode = 'keyword' | 'hybrid';

let peer: Promise<EmbeddingsServer> | undefined;
const embeddingsPeer = () => (peer ??= startEmbeddingsServer({ dimensions: EMBEDDING_DIMENSIONS, unref: true }));

const searchBody = (query: string, mode: MemoryMode) => JSON.stringify({ query, mode, limit: 10 });
const databaseName = (kind: DatabaseKind) => (kind === 'sqlite' ? 'SQLite' : 'PostgreSQL');

function notes(size: PreloadSize, mode: MemoryMode): string[] {
  return [
    `preload: ${size === 'large' ? '1,000 users × 1,000 memories (1M)' : '10 users × 1,000 memories (10k)'}, every memory with a ${EMBEDDING_DIMENSIONS}-dimension vector, users' memories interleaved; each request one user's search (1,000 memories)`,
    ...(mode === 'hybrid' ? ['query embedded by the in-process peer on every request'] : []),
  ];
}

export function floorMemory(mode: MemoryMode, kind: DatabaseKind): Setup {
  return {
    name: `floor-memory-${mode}-${kind}`,
    group: 'work',
    title: `Floor: Hono + ${kind === 'sqlite' ? 'better-sqlite3' : 'pg'} memory search (${mode}), no auth`,
    async start(ctx) {
      const database = await ctx.memoryPreload(kind, ctx.workSize);
      if ('unavailable' in database) return database;
      const embeddings = await embeddingsPeer();
      const child = await ctx.startServer(`floor-memory-${kind}`, {
        ...(kind === 'sqlite' ? { BENCH_SQLITE_PATH: database.url } : { BENCH_POSTGRES_URL: database.url, BENCH_MEMORY_LANGUAGE: MEMORY_LANGUAGE }),
        BENCH_EMBEDDINGS_URL: embeddings.url,
        BENCH_EMBEDDINGS_MODEL: EMBEDDING_MODEL,
      });
      return {
        url: child.url,
        requests: memoryBenchUsers(ctx.workSize).flatMap((u) =>
          MEMORY_QUERIES.map((query): LoadRequest => ({
            method: 'POST', path: '/v1/memories/search',
            headers: { 'X-User-Id': userId(u), 'X-Workspace-Id': workspaceId(u), 'Content-Type': 'application/json' },
            body: searchBody(query, mode),
          })),
        ),
        expectStatus: 200,
        notes: notes(ctx.workSize, mode),
        stop: child.stop,
      };
    },
  };
}

export function tgMemory(mode: MemoryMode, kind: DatabaseKind, fixedSize?: PreloadSize): Setup {
  const name = `tg-memory-${mode}-${kind}${fixedSize === 'small' ? '-10k' : ''}`;
  return {
    name,
    group: 'work',
    title: `Threadgate POST /v1/memories/search (${mode}) on ${databaseName(kind)}${fixedSize === 'small' ? ', 10k-memory preload' : ''}`,
    compare:
      fixedSize === 'small'
        ? { against: `tg-memory-${mode}-${kind}`, kind: 'latency-growth', target: 1.5 }
        : { against: `floor-memory-${mode}-${kind}`, kind: 'throughput', target: 0.6 },
    async start(ctx) {
      const size = fixedSize ?? ctx.workSize;
      const database = await ctx.memoryPreload(kind, size);
      if ('unavailable' in database) return database;
      const embeddings = await embeddingsPeer();
      const tg = await startThreadgate(ctx, name, {
        databaseUrl: database.url,
        env: {
          THREADGATE_EMBEDDINGS_URL: embeddings.url,
          THREADGATE_EMBEDDINGS_MODEL: EMBEDDING_MODEL,
          THREADGATE_MEMORY_BACKFILL_MS: '0',
          ...(kind === 'postgres' ? { THREADGATE_MEMORY_LANGUAGE: MEMORY_LANGUAGE } : {}),
        },
      });
      const tokens = await stopOnFailure(tg, async () => {
        const { key } = await createApiKey(tg.call);
        return Promise.all(memoryBenchUsers(size).map(async (u) => mintWorkspaceToken(tg.call, key, userId(u), workspaceId(u))));
      });
      return {
        url: tg.child.url,
        requests: tokens.flatMap((token) =>
          MEMORY_QUERIES.map((query): LoadRequest => ({
            method: 'POST', path: '/v1/memories/search',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: searchBody(query, mode),
          })),
        ),
        expectStatus: 200,
        notes: notes(size, mode),
        stop: tg.child.stop,
      };
    },
  };
}
