/**
 * Threads, as the `assistant-cloud` client calls them (AssistantCloudThreads.ts): list, create
 * (with `upsert` by `external_id`), get, update, delete, and claim (move an anonymous identity's
 * threads into the signed-in caller's workspace). Every query is bound to the principal's project
 * and workspace, so another workspace's thread id answers 404 like an id that never existed.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Json } from '../../store/store.js';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, ThreadSchema, storedJson, storedText } from '../../http/openapi.js';
import { toWireThread } from '../../http/wire.js';
import { sendEmpty, sendJson } from '../../http/respond.js';

const ThreadParams = z.object({ threadId: IdParam.openapi({ param: { name: 'threadId', in: 'path' } }) });
const Timestamp = z.iso.datetime({ offset: true });

const listThreads = declareRoute({ category: 'data', scope: 'threads:read' }, {
  method: 'get',
  path: '/v1/threads',
  tags: ['threads'],
  summary: 'List the workspace\'s unarchived threads (archived ones with is_archived=true), most recent first',
  request: {
    query: z.object({
      is_archived: z.enum(['true', 'false']).optional().openapi({ description: 'Left out: unarchived threads only, as the hosted service lists them.' }),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      after: IdParam.optional().openapi({ description: 'Keyset cursor: the id of the last thread of the previous page.' }),
      external_id: storedText(255, 1).optional(),
    }),
  },
  responses: {
    200: { description: 'A page of threads', content: { 'application/json': { schema: z.object({ threads: z.array(ThreadSchema) }) } } },
    ...errorResponses(400, 401, 403),
  },
});

const createThread = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/threads',
  tags: ['threads'],
  summary: 'Create a thread (or, with upsert, return the one with this external_id)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            title: storedText(1000).optional(),
            last_message_at: Timestamp.optional(),
            metadata: storedJson(z.unknown()).optional(),
            external_id: storedText(255, 1).optional(),
            upsert: z.boolean().optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: z.object({ thread_id: z.string() }) } } },
    200: { description: 'Upsert found the existing thread', content: { 'application/json': { schema: z.object({ thread_id: z.string() }) } } },
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

const getThread = declareRoute({ category: 'data', scope: 'threads:read' }, {
  method: 'get',
  path: '/v1/threads/{threadId}',
  tags: ['threads'],
  summary: 'Get a thread',
  request: { params: ThreadParams },
  responses: {
    200: { description: 'The thread', content: { 'application/json': { schema: z.object({ thread: ThreadSchema }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const updateThread = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'put',
  path: '/v1/threads/{threadId}',
  tags: ['threads'],
  summary: 'Update a thread\'s title, metadata, last message time or archived flag',
  request: {
    params: ThreadParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            title: storedText(1000).optional(),
            last_message_at: Timestamp.optional(),
            metadata: storedJson(z.unknown()).optional(),
            is_archived: z.boolean().optional(),
          }),
        },
      },
    },
  },
  responses: { 204: { description: 'Updated' }, ...errorResponses(400, 401, 403, 404, 413) },
});

const deleteThread = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'delete',
  path: '/v1/threads/{threadId}',
  tags: ['threads'],
  summary: 'Delete a thread with its messages',
  request: { params: ThreadParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
});

const claimThreads = declareRoute({ category: 'data', scope: 'threads:write', denyAnonymous: true }, {
  method: 'post',
  path: '/v1/threads/claim',
  tags: ['threads'],
  summary: 'Move the threads of the anonymous session behind a refresh token into the caller\'s workspace',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ refresh_token: z.string().min(1).max(512) }) } },
    },
  },
  responses: {
    200: { description: 'Moved', content: { 'application/json': { schema: z.object({ moved: z.number().int() }) } } },
    ...errorResponses(400, 401, 403, 413),
  },
});

export function threadRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(listThreads, async (c) => {
    const principal = requirePrincipal(c);
    const query = c.req.valid('query');
    const threads = await depsOf(c).threads.service.listThreads({
      projectId: principal.projectId,
      workspaceId: principal.workspaceId,
      // The client lists its active threads without the flag and archived ones with
      // is_archived=true; the hosted service answers the first with unarchived threads only.
      isArchived: query.is_archived === 'true',
      ...(query.external_id !== undefined ? { externalId: query.external_id } : {}),
      ...(query.after !== undefined ? { after: query.after } : {}),
      limit: query.limit,
    });
    return sendJson(c, { threads: threads.map(toWireThread) }, 200);
  });

  // Registered before /v1/threads/{threadId} routes so "claim" is never taken for an id.
  app.openapi(claimThreads, async (c) => {
    const principal = requirePrincipal(c);
    const moved = await depsOf(c).threads.service.claim(principal, c.req.valid('json').refresh_token);
    return sendJson(c, { moved }, 200);
  });

  app.openapi(createThread, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const { threadId, created } = await depsOf(c).threads.service.createThread(principal, {
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.last_message_at !== undefined ? { lastMessageAt: Date.parse(body.last_message_at) } : {}),
      ...(body.metadata !== undefined ? { metadata: body.metadata as Json } : {}),
      ...(body.external_id !== undefined ? { externalId: body.external_id } : {}),
      ...(body.upsert !== undefined ? { upsert: body.upsert } : {}),
    });
    return created ? sendJson(c, { thread_id: threadId }, 201) : sendJson(c, { thread_id: threadId }, 200);
  });

  app.openapi(getThread, async (c) => {
    const principal = requirePrincipal(c);
    const thread = await depsOf(c).threads.service.requireThread(principal, c.req.valid('param').threadId);
    return sendJson(c, { thread: toWireThread(thread) }, 200);
  });

  app.openapi(updateThread, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    await depsOf(c).threads.service.updateThread(principal, c.req.valid('param').threadId, {
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.last_message_at !== undefined ? { lastMessageAt: Date.parse(body.last_message_at) } : {}),
      ...(body.metadata !== undefined ? { metadata: body.metadata as Json } : {}),
      ...(body.is_archived !== undefined ? { isArchived: body.is_archived } : {}),
    });
    return sendEmpty(c);
  });

  app.openapi(deleteThread, async (c) => {
    const principal = requirePrincipal(c);
    await depsOf(c).threads.service.deleteThread(principal, c.req.valid('param').threadId);
    return sendEmpty(c);
  });

  return app;
}
