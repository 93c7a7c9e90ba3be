/**
 * Project-wide reads, as the `assistant-cloud` client calls them (AssistantCloudProjectThreads.ts,
 * AssistantCloudProjectThreadMessages.ts): the threads of every workspace of the project, and any
 * one thread's messages. They serve a backend (support tools, exports, evaluation), so only an API
 * key may call them: a workspace token, a user token, an identity-provider token or an anonymous
 * session gets 403, even one minted from an API key, since each of those speaks for one workspace.
 *
 * The API key comes with its usual `Aui-User-Id` and `Aui-Workspace-Id` headers (the client
 * always sends them, and every API key request is verified the same way); here they only say who
 * is asking and do not narrow the list. The project is the key's: another project's thread id
 * answers 404 like one that never existed. Lists are keyset-paginated like the workspace lists.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule, type RoutePolicy } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, MessageSchema, ThreadSchema } from '../../http/openapi.js';
import { toWireThread } from '../../http/wire.js';
import { sendJson } from '../../http/respond.js';
import { MessagePageQuery, readMessagePage } from './messages-routes.js';

/** A backend credential only. */
const PROJECT_READ: RoutePolicy = { category: 'data', scope: 'threads:read', sources: ['api_key'] };

const listProjectThreads = declareRoute(PROJECT_READ, {
  method: 'get',
  path: '/v1/projects/threads',
  tags: ['projects'],
  summary: 'List the threads of every workspace of the API key\'s project, most recent first (API key only)',
  request: {
    query: z.object({
      is_archived: z.enum(['true', 'false']).optional().openapi({ description: 'Left out: unarchived threads only, as in GET /v1/threads.' }),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      after: IdParam.optional().openapi({ description: 'Keyset cursor: the id of the last thread of the previous page.' }),
    }),
  },
  responses: {
    200: { description: 'A page of threads', content: { 'application/json': { schema: z.object({ threads: z.array(ThreadSchema) }) } } },
    ...errorResponses(400, 401, 403),
  },
});

const listProjectThreadMessages = declareRoute(PROJECT_READ, {
  method: 'get',
  path: '/v1/projects/threads/{threadId}/messages',
  tags: ['projects'],
  summary: 'List the messages of any thread of the API key\'s project, newest first (API key only)',
  request: {
    params: z.object({ threadId: IdParam.openapi({ param: { name: 'threadId', in: 'path' } }) }),
    query: MessagePageQuery,
  },
  responses: {
    200: { description: 'A page of messages', content: { 'application/json': { schema: z.object({ messages: z.array(MessageSchema) }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export function projectRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(listProjectThreads, async (c) => {
    const principal = requirePrincipal(c);
    const query = c.req.valid('query');
    const threads = await depsOf(c).threads.service.listProjectThreads({
      projectId: principal.projectId,
      isArchived: query.is_archived === 'true',
      ...(query.after !== undefined ? { after: query.after } : {}),
      limit: query.limit,
    });
    return sendJson(c, { threads: threads.map(toWireThread) }, 200);
  });

  app.openapi(listProjectThreadMessages, async (c) => {
    const principal = requirePrincipal(c);
    const deps = depsOf(c);
    const thread = await deps.threads.service.requireProjectThread(principal.projectId, c.req.valid('param').threadId);
    return sendJson(c, await readMessagePage(deps, principal.projectId, thread.id, c.req.valid('query')), 200);
  });

  return app;
}
