/**
 * The floor servers (bench/servers/floor-sqlite.ts, floor-postgres.ts) on the same preloaded data,
 * with the same requests as tg-work.ts, the workspace in `X-Workspace-Id` instead of a credential.
 */
import { benchUsers, workspaceId } from '../preload/data.js';
import { LIST_PATH, appendBody, appendPath, preloadedDatabase, type DatabaseKind } from './work-shared.js';
import type { LoadRequest } from '../load.js';
import type { Setup } from './types.js';

export function floorWork(operation: 'list' | 'append', kind: DatabaseKind): Setup {
  return {
    name: `floor-${operation}-${kind}`,
    group: 'work',
    title: `Floor: Hono + ${kind === 'sqlite' ? 'better-sqlite3' : 'pg'} ${operation === 'list' ? 'GET /v1/threads?limit=20' : 'POST /v1/threads/:id/messages (1 KB)'}, no auth`,
    async start(ctx) {
      const database = await preloadedDatabase(ctx, kind, ctx.workSize);
      if ('unavailable' in database) return database;
      const child = await ctx.startServer(kind === 'sqlite' ? 'floor-sqlite' : 'floor-postgres', kind === 'sqlite' ? { BENCH_SQLITE_PATH: database.url } : { BENCH_POSTGRES_URL: database.url });
      return {
        url: child.url,
        requests: benchUsers(ctx.workSize).map((u): LoadRequest =>
          operation === 'list'
            ? { method: 'GET', path: LIST_PATH, headers: { 'X-Workspace-Id': workspaceId(u) } }
            : { method: 'POST', path: appendPath(u), headers: { 'X-Workspace-Id': workspaceId(u), 'Content-Type': 'application/json' }, body: appendBody(u) },
        ),
        expectStatus: operation === 'list' ? 200 : 201,
        stop: child.stop,
      };
    },
  };
}
