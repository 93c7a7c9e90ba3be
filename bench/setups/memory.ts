/**
 * Memory search (issue 13, item 7), on SQLite: `POST /v1/memories/search` for one user with 1,000
 * memories, in a database of 1M memories (or 10k with `--small`, and always in the `-10k` setups),
 * `keyword` (BM25 over FTS5) or `hybrid` (keyword + exact cosine over 384-dimension vectors, fused
 * by reciprocal rank fusion). Compared with a floor server doing the same queries (target ≥ 0.6×
 * its throughput), and the 1M p50 with the 10k p50 (target ≤ 1.5×). The embeddings endpoint is
 * the deterministic OpenAI-protocol peer of test/helpers, in the bench's own process (on the load
 * core), for Threadgate and the floor alike. PostgreSQL is not covered yet.
 */
import { createApiKey, mintWorkspaceToken } from '../threadgate-credentials.js';
import { userId, workspaceId, type PreloadSize } from '../preload/data.js';
import { copyMemoryPreload, EMBEDDING_DIMENSIONS, EMBEDDING_MODEL, MEMORY_QUERIES, memoryBenchUsers } from '../preload/memories.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../../test/helpers/embeddings-server.js';
import { startThreadgate, stopOnFailure } from './threadgate-process.js';
import type { LoadRequest } from '../load.js';
import type { Setup, SetupContext } from './types.js';

export type MemoryMode = 'keyword' | 'hybrid';

const copies = new Map<string, Promise<string>>();
/** This run's copy of the memory preload of `size` (searches only read, so one copy serves every setup). */
function memoryPreload(ctx: SetupContext, size: PreloadSize): Promise<string> {
  const key = `${ctx.tmpDir}:${size}`;
  let copy = copies.get(key);
  if (copy === undefined) {
    copy = copyMemoryPreload(size, ctx.tmpDir, ctx.log);
    copies.set(key, copy);
  }
  return copy;
}

let peer: Promise<EmbeddingsServer> | undefined;
const embeddingsPeer = () => (peer ??= startEmbeddingsServer({ dimensions: EMBEDDING_DIMENSIONS, unref: true }));

const searchBody = (query: string, mode: MemoryMode) => JSON.stringify({ query, mode, limit: 10 });

function notes(size: PreloadSize, mode: MemoryMode): string[] {
  return [
    `preload: ${size === 'large' ? '1,000 users × 1,000 memories (1M)' : '10 users × 1,000 memories (10k)'}; each request one user's search (1,000 memories)`,
    ...(mode === 'hybrid' ? [`vectors: ${EMBEDDING_DIMENSIONS} dimensions on the 10 bench users' memories only; query embedded by the in-process peer on every request`] : []),
  ];
}

export function floorMemory(mode: MemoryMode): Setup {
  return {
    name: `floor-memory-${mode}-sqlite`,
    group: 'work',
    title: `Floor: Hono + better-sqlite3 memory search (${mode}), no auth`,
    async start(ctx) {
      const path = await memoryPreload(ctx, ctx.workSize);
      const embeddings = await embeddingsPeer();
      const child = await ctx.startServer('floor-memory-sqlite', { BENCH_SQLITE_PATH: path, BENCH_EMBEDDINGS_URL: embeddings.url, BENCH_EMBEDDINGS_MODEL: EMBEDDING_MODEL });
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

export function tgMemory(mode: MemoryMode, fixedSize?: PreloadSize): Setup {
  const name = `tg-memory-${mode}-sqlite${fixedSize === 'small' ? '-10k' : ''}`;
  return {
    name,
    group: 'work',
    title: `Threadgate POST /v1/memories/search (${mode}) on SQLite${fixedSize === 'small' ? ', 10k-memory preload' : ''}`,
    compare:
      fixedSize === 'small'
        ? { against: `tg-memory-${mode}-sqlite`, kind: 'latency-growth', target: 1.5 }
        : { against: `floor-memory-${mode}-sqlite`, kind: 'throughput', target: 0.6 },
    async start(ctx) {
      const size = fixedSize ?? ctx.workSize;
      const path = await memoryPreload(ctx, size);
      const embeddings = await embeddingsPeer();
      const tg = await startThreadgate(ctx, name, {
        databaseUrl: path,
        env: { THREADGATE_EMBEDDINGS_URL: embeddings.url, THREADGATE_EMBEDDINGS_MODEL: EMBEDDING_MODEL, THREADGATE_MEMORY_BACKFILL_MS: '0' },
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
