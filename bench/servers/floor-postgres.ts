/**
 * The floor of the stack on PostgreSQL: Hono + pg (a pool of 10, as Threadgate's), no auth, no
 * validation library, no query builder; the same queries as Threadgate on the same schema and
 * data, the same transaction (the thread row is updated first, which locks it), the workspace from
 * `X-Workspace-Id`.
 */
import pg from 'pg';
import { Hono } from 'hono';
import { requireEnv } from './listening.js';
import { serveHono } from './serve-hono.js';
import { createFloorId, floorThread, readAppendBody, type ThreadRow } from './floor-shared.js';

const PROJECT_ID = 'default';
// int8 as a number, as postgres-store.ts does (on this pool only).
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};
const pool = new pg.Pool({ connectionString: requireEnv('BENCH_POSTGRES_URL'), max: 10, types });
pool.on('error', () => {});

const app = new Hono();
app.get('/v1/threads', async (c) => {
  const workspaceId = c.req.header('x-workspace-id') ?? '';
  const limit = Number(c.req.query('limit') ?? 20);
  const { rows } = await pool.query<ThreadRow>(
    'select * from threads where project_id = $1 and workspace_id = $2 and is_archived = 0 order by last_message_at desc, id desc limit $3',
    [PROJECT_ID, workspaceId, limit],
  );
  return c.json({ threads: rows.map(floorThread) });
});
app.post('/v1/threads/:threadId/messages', async (c) => {
  const workspaceId = c.req.header('x-workspace-id') ?? '';
  const threadId = c.req.param('threadId');
  const body = readAppendBody(await c.req.json());
  if (body === undefined) return c.json({ error: 'validation_error' }, 400);
  const found = await pool.query('select * from threads where project_id = $1 and workspace_id = $2 and id = $3', [PROJECT_ID, workspaceId, threadId]);
  if (found.rowCount === 0) return c.json({ error: 'not_found' }, 404);
  const client = await pool.connect();
  try {
    await client.query('begin');
    const now = Date.now();
    const bumped = await client.query(
      'update threads set last_message_at = $1, updated_at = $2 where project_id = $3 and workspace_id = $4 and id = $5 returning id',
      [now, now, PROJECT_ID, workspaceId, threadId],
    );
    if (bumped.rowCount === 0) {
      await client.query('rollback');
      return c.json({ error: 'not_found' }, 404);
    }
    let height = 0;
    if (body.parentId !== null) {
      const parent = await client.query<{ id: string; height: number }>(
        'select id, height from messages where project_id = $1 and thread_id = $2 and id = $3',
        [PROJECT_ID, threadId, body.parentId],
      );
      if (parent.rowCount === 0) {
        await client.query('rollback');
        return c.json({ error: 'parent_not_found' }, 400);
      }
      height = Number(parent.rows[0]!.height) + 1;
    }
    const id = createFloorId('msg', now);
    await client.query(
      'insert into messages (id, project_id, thread_id, parent_id, height, format, content, external_id, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [id, PROJECT_ID, threadId, body.parentId, height, body.format, JSON.stringify(body.content), null, now, now],
    );
    await client.query('commit');
    return c.json({ message_id: id }, 201);
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
});
serveHono(app);
