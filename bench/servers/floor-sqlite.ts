/**
 * The floor of the stack on SQLite: Hono + better-sqlite3, no auth, no validation library, no
 * query builder, doing the same queries as Threadgate on the same schema and data (the workspace
 * comes from `X-Workspace-Id`). Same pragmas as src/store/sqlite/sqlite-store.ts (WAL,
 * synchronous=FULL) and the same `BEGIN IMMEDIATE` write transaction, so only Threadgate's own
 * overhead separates the two.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Hono } from 'hono';
import { requireEnv } from './listening.js';
import { serveHono } from './serve-hono.js';
import { createFloorId, floorThread, readAppendBody, type ThreadRow } from './floor-shared.js';

const PROJECT_ID = 'default';
const db = new BetterSqlite3(requireEnv('BENCH_SQLITE_PATH'), { timeout: 5000 });
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');
db.pragma('synchronous = FULL');

const listThreads = db.prepare(
  'select * from threads where project_id = ? and workspace_id = ? and is_archived = 0 order by last_message_at desc, id desc limit ?',
);
const getThread = db.prepare('select * from threads where project_id = ? and workspace_id = ? and id = ?');
const bumpThread = db.prepare(
  'update threads set last_message_at = ?, updated_at = ? where project_id = ? and workspace_id = ? and id = ? returning id',
);
const findParent = db.prepare('select id, height from messages where project_id = ? and thread_id = ? and id = ?');
const insertMessage = db.prepare(
  'insert into messages (id, project_id, thread_id, parent_id, height, format, content, external_id, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
// BEGIN IMMEDIATE, as Threadgate's SQLite dialect does for every write transaction.
const append = db.transaction((workspaceId: string, threadId: string, parentId: string | null, format: string, content: string) => {
  const now = Date.now();
  if (bumpThread.get(now, now, PROJECT_ID, workspaceId, threadId) === undefined) return { status: 404 as const };
  let height = 0;
  if (parentId !== null) {
    const parent = findParent.get(PROJECT_ID, threadId, parentId) as { id: string; height: number } | undefined;
    if (parent === undefined) return { status: 400 as const };
    height = Number(parent.height) + 1;
  }
  const id = createFloorId('msg', now);
  insertMessage.run(id, PROJECT_ID, threadId, parentId, height, format, content, null, now, now);
  return { status: 201 as const, id };
}).immediate;

const app = new Hono();
app.get('/v1/threads', (c) => {
  const workspaceId = c.req.header('x-workspace-id') ?? '';
  const limit = Number(c.req.query('limit') ?? 20);
  const rows = listThreads.all(PROJECT_ID, workspaceId, limit) as ThreadRow[];
  return c.json({ threads: rows.map(floorThread) });
});
app.post('/v1/threads/:threadId/messages', async (c) => {
  const workspaceId = c.req.header('x-workspace-id') ?? '';
  const threadId = c.req.param('threadId');
  const body = readAppendBody(await c.req.json());
  if (body === undefined) return c.json({ error: 'validation_error' }, 400);
  // The route resolves the thread within the workspace first, as modules/threads/threads-service.ts does.
  if (getThread.get(PROJECT_ID, workspaceId, threadId) === undefined) return c.json({ error: 'not_found' }, 404);
  const result = append(workspaceId, threadId, body.parentId, body.format, JSON.stringify(body.content));
  if (result.status !== 201) return c.json({ error: 'refused' }, result.status);
  return c.json({ message_id: result.id }, 201);
});
serveHono(app);
