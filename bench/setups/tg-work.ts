/**
 * Threadgate on the preloaded data: `GET /v1/threads?limit=20` (`list`) or
 * `POST /v1/threads/:id/messages` with 1 KB of content (`append`), on SQLite or PostgreSQL, as 10
 * users spread over the data set, each with a workspace token minted through an API key.
 * `-10k` setups list on the small preload whatever `--small` says, to compare list latency at
 * both sizes in one run.
 */
import { createApiKey, mintWorkspaceToken } from '../threadgate-credentials.js';
import { benchUsers, userId, workspaceId, type PreloadSize } from '../preload/data.js';
import { startThreadgate, stopOnFailure } from './threadgate-process.js';
import { LIST_PATH, appendBody, appendPath, preloadedDatabase, type DatabaseKind } from './work-shared.js';
import type { LoadRequest } from '../load.js';
import type { Setup } from './types.js';

export function tgWork(operation: 'list' | 'append', kind: DatabaseKind, fixedSize?: PreloadSize): Setup {
  const name = `tg-${operation}-${kind}${fixedSize === 'small' ? '-10k' : ''}`;
  return {
    name,
    group: 'work',
    title: `Threadgate ${operation === 'list' ? 'GET /v1/threads?limit=20' : 'POST /v1/threads/:id/messages (1 KB)'} on ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}${fixedSize === 'small' ? ', 10k-message preload' : ''}`,
    compare:
      fixedSize === 'small'
        ? { against: `tg-list-${kind}`, kind: 'latency-growth', target: 1.5 }
        : { against: `floor-${operation}-${kind}`, kind: 'throughput', target: 0.6 },
    async start(ctx) {
      const size = fixedSize ?? ctx.workSize;
      const database = await preloadedDatabase(ctx, kind, size);
      if ('unavailable' in database) return database;
      const tg = await startThreadgate(ctx, name, { databaseUrl: database.url });
      const tokens = await stopOnFailure(tg, async () => {
        const { key } = await createApiKey(tg.call);
        return Promise.all(benchUsers(size).map(async (u) => [u, await mintWorkspaceToken(tg.call, key, userId(u), workspaceId(u))] as const));
      });
      return {
        url: tg.child.url,
        requests: tokens.map(([u, token]): LoadRequest =>
          operation === 'list'
            ? { method: 'GET', path: LIST_PATH, headers: { Authorization: `Bearer ${token}` } }
            : { method: 'POST', path: appendPath(u), headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: appendBody(u) },
        ),
        expectStatus: operation === 'list' ? 200 : 201,
        notes: [`preload: ${size === 'large' ? '1,000 users × 10 threads × 100 messages (1M)' : '10 users × 10 threads × 100 messages (10k)'}`],
        stop: tg.child.stop,
      };
    },
  };
}
