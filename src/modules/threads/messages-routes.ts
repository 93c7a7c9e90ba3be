/**
 * A thread's messages, as the `assistant-cloud` client calls them (AssistantCloudThreadMessages.ts).
 * Messages form a tree (`parent_id`, `height`); editing a message that already has children answers
 * 409, since its replies were made to the old content. The thread is first resolved within the
 * principal's workspace, so every message route of another workspace's thread answers 404.
 *
 * Run leases (run-leases-routes.ts): `open_run` on create opens one on the new message; a write carrying
 * `lease_id` writes as its holder and renews it, and is refused with 409 `lease_mismatch` or
 * `run_ended`; listed messages carry `run`.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Json } from '../../store/store.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, JsonObject, MessageSchema, storedText } from '../../http/openapi.js';
import { toWireMessage } from '../../http/wire.js';
import { sendEmpty, sendJson } from '../../http/respond.js';

const threadId = IdParam.openapi({ param: { name: 'threadId', in: 'path' } });
const messageId = IdParam.openapi({ param: { name: 'messageId', in: 'path' } });
export const Format = z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');
/** The query of a page of messages: here, and in the project-wide list (projects-routes.ts). */
export const MessagePageQuery = z.object({
  format: Format.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  after: IdParam.optional().openapi({ description: 'Keyset cursor: the id of the last message of the previous page.' }),
});

/** A run lease's id, as a body field or a path parameter (run-leases-routes.ts). */
export const LeaseId = IdParam;

/**
 * How often a lease's holder should beat, told to it when the lease opens and on every beat. The
 * server never expires a lease: this only paces the beats readers judge staleness by (the client
 * reads a run as stale after 30 s without one, CloudMessagePersistence's default `staleAfter`).
 */
export const RUN_HEARTBEAT_INTERVAL_MS = 10_000;

const listMessages = declareRoute({ category: 'data', scope: 'threads:read' }, {
  method: 'get',
  path: '/v1/threads/{threadId}/messages',
  tags: ['messages'],
  summary: 'List a thread\'s messages, newest first',
  request: {
    params: z.object({ threadId }),
    query: MessagePageQuery,
  },
  responses: {
    200: { description: 'A page of messages', content: { 'application/json': { schema: z.object({ messages: z.array(MessageSchema) }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const createMessage = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/threads/{threadId}/messages',
  tags: ['messages'],
  summary: 'Append a message under a parent (null for a root)',
  request: {
    params: z.object({ threadId }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            parent_id: IdParam.nullable(),
            format: Format,
            content: JsonObject,
            external_id: storedText(255, 1).optional(),
            parent_external_id: storedText(255, 1).optional(),
            open_run: z.boolean().optional().openapi({ description: 'Open a run lease on the new message; the answer carries lease_id and heartbeat_interval_ms.' }),
            lease_id: LeaseId.optional().openapi({
              description: 'Write, as the holder of this run lease, the message that holds it (with the same external_id and format) instead of storing a new one; renews the lease.',
            }),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Created (with open_run: and its lease)',
      content: {
        'application/json': {
          schema: z.object({ message_id: z.string(), lease_id: z.string().optional(), heartbeat_interval_ms: z.number().int().optional() }),
        },
      },
    },
    200: { description: 'With lease_id: the leased message was written', content: { 'application/json': { schema: z.object({ message_id: z.string() }) } } },
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});

const updateMessage = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'put',
  path: '/v1/threads/{threadId}/messages/{messageId}',
  tags: ['messages'],
  summary: 'Replace a message\'s content (409 when it already has children, or the lease named is not its running one)',
  request: {
    params: z.object({ threadId, messageId }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            content: JsonObject,
            lease_id: LeaseId.optional().openapi({ description: 'Write as the holder of the message\'s run lease, which renews it.' }),
          }),
        },
      },
    },
  },
  responses: { 204: { description: 'Updated' }, ...errorResponses(400, 401, 403, 404, 409, 413) },
});

const deleteMessages = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'delete',
  path: '/v1/threads/{threadId}/messages',
  tags: ['messages'],
  summary: 'Delete messages by id, with every reply below them',
  request: {
    params: z.object({ threadId }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ message_ids: z.array(IdParam).min(1).max(500) }) } },
    },
  },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 413) },
});

const postFeedback = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/threads/{threadId}/messages/{messageId}/feedback',
  tags: ['messages'],
  summary: 'Record the caller\'s feedback on a message (a second one replaces the first)',
  request: {
    params: z.object({ threadId, messageId }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ type: z.enum(['positive', 'negative']), comment: storedText(10_000).optional() }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Recorded',
      content: {
        'application/json': {
          schema: z.object({ feedback_id: z.string(), type: z.enum(['positive', 'negative']), comment: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

/** One page of a thread's messages, as sent; the caller has already found the thread for the principal. */
export async function readMessagePage(deps: AppDeps, projectId: string, threadId: string, query: z.infer<typeof MessagePageQuery>) {
  const messages = await deps.threads.service.listMessages({
    projectId,
    threadId,
    limit: query.limit,
    ...(query.format !== undefined ? { format: query.format } : {}),
    ...(query.after !== undefined ? { after: query.after } : {}),
  });
  const now = deps.clock();
  return { messages: messages.map((message) => toWireMessage(message, now)) };
}

export function messageRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(listMessages, async (c) => {
    const principal = requirePrincipal(c);
    const deps = depsOf(c);
    const thread = await deps.threads.service.requireThread(principal, c.req.valid('param').threadId);
    return sendJson(c, await readMessagePage(deps, principal.projectId, thread.id, c.req.valid('query')), 200);
  });

  app.openapi(createMessage, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const stored = await depsOf(c).threads.service.createMessage(principal, c.req.valid('param').threadId, {
      parentId: body.parent_id,
      ...(body.parent_external_id !== undefined ? { parentExternalId: body.parent_external_id } : {}),
      format: body.format,
      content: body.content as Json,
      ...(body.external_id !== undefined ? { externalId: body.external_id } : {}),
      ...(body.open_run !== undefined ? { openRun: body.open_run } : {}),
      ...(body.lease_id !== undefined ? { leaseId: body.lease_id } : {}),
    });
    if (!stored.created) return sendJson(c, { message_id: stored.messageId }, 200);
    if (stored.run !== undefined) {
      return sendJson(c, { message_id: stored.messageId, lease_id: stored.run.leaseId, heartbeat_interval_ms: RUN_HEARTBEAT_INTERVAL_MS }, 201);
    }
    return sendJson(c, { message_id: stored.messageId }, 201);
  });

  app.openapi(updateMessage, async (c) => {
    const principal = requirePrincipal(c);
    const params = c.req.valid('param');
    const body = c.req.valid('json');
    await depsOf(c).threads.service.editMessage(principal, params.threadId, params.messageId, body.content as Json, body.lease_id);
    return sendEmpty(c);
  });

  app.openapi(deleteMessages, async (c) => {
    const principal = requirePrincipal(c);
    await depsOf(c).threads.service.deleteMessages(principal, c.req.valid('param').threadId, c.req.valid('json').message_ids);
    return sendEmpty(c);
  });

  app.openapi(postFeedback, async (c) => {
    const principal = requirePrincipal(c);
    const params = c.req.valid('param');
    const body = c.req.valid('json');
    const feedback = await depsOf(c).threads.service.putFeedback(principal, params.threadId, params.messageId, body.type, body.comment);
    return sendJson(c, { feedback_id: feedback.id, type: feedback.type, comment: feedback.comment }, 201);
  });

  return app;
}
