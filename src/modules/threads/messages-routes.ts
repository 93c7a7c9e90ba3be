/**
 * A thread's messages, as the `assistant-cloud` client calls them (AssistantCloudThreadMessages.ts).
 * Messages form a tree (`parent_id`, `height`); editing a message that already has children answers
 * 409, since its replies were made to the old content. The thread is first resolved within the
 * principal's workspace, so every message route of another workspace's thread answers 404.
 *
 * Run leases (run-leases.ts): `open_run` on create opens one on the new message; a write carrying
 * `lease_id` writes as its holder and renews it, and is refused with 409 `lease_mismatch` or
 * `run_ended`; listed messages carry `run`.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { Conflict, NotFound, ThreadgateError, ValidationFailed } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import type { Json, Store, UpdateMessageResult } from '../../store/store.js';
import type { AppDeps, AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { requirePrincipal } from '../middleware/authorize.js';
import { errorResponses, IdParam, JsonObject, MessageSchema, storedText } from '../openapi.js';
import { toWireMessage } from '../wire.js';
import { sendEmpty, sendJson } from '../respond.js';

const threadId = IdParam.openapi({ param: { name: 'threadId', in: 'path' } });
const messageId = IdParam.openapi({ param: { name: 'messageId', in: 'path' } });
export const Format = z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');
/** The query of a page of messages: here, and in the project-wide list (projects.ts). */
export const MessagePageQuery = z.object({
  format: Format.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  after: IdParam.optional().openapi({ description: 'Keyset cursor: the id of the last message of the previous page.' }),
});

/** A run lease's id, as a body field or a path parameter (run-leases.ts). */
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

/** The thread, resolved within the principal's workspace, or 404. */
export async function requireThread(store: Store, principal: Principal, id: string) {
  const thread = await store.getThread(principal.projectId, principal.workspaceId, id);
  if (thread === undefined) throw new NotFound({ message: 'No such thread.' });
  return thread;
}

/** Turns a refused update into its error. */
function checkUpdated(outcome: UpdateMessageResult): void {
  if (outcome === 'not_found') throw new NotFound({ message: 'No such message.' });
  if (outcome === 'has_children') throw new Conflict({ message: 'The message already has replies; add a sibling instead of editing it.' });
  if (outcome === 'lease_mismatch') throw new ThreadgateError('lease_mismatch');
  if (outcome === 'run_ended') throw new ThreadgateError('run_ended');
}

/**
 * A create carrying `lease_id` (the client's "writes the message with external_id as the holder of
 * this lease"): the message holding the lease gets the new content, through the same conditional
 * write as an update, and keeps its place in the tree. Its id is the answer.
 */
async function writeLeasedMessage(
  store: Store,
  projectId: string,
  threadId: string,
  body: { lease_id?: string; external_id?: string; format: string; content: Record<string, unknown> },
): Promise<string> {
  const leaseId = body.lease_id!;
  const message = await store.findMessageByLease(projectId, threadId, leaseId);
  if (message === undefined || (body.external_id !== undefined && body.external_id !== message.externalId)) {
    throw new ThreadgateError('lease_mismatch');
  }
  if (body.format !== message.format) throw new ValidationFailed('format', 'must be the format of the message that holds the lease');
  checkUpdated(await store.updateMessage(projectId, threadId, message.id, body.content as Json, leaseId));
  return message.id;
}

/** One page of a thread's messages, as sent; the caller has already found the thread for the principal. */
export async function readMessagePage(deps: AppDeps, projectId: string, threadId: string, query: z.infer<typeof MessagePageQuery>) {
  const messages = await deps.store.listMessages({
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
    const { store } = c.get('deps');
    const thread = await requireThread(store, principal, c.req.valid('param').threadId);
    return sendJson(c, await readMessagePage(c.get('deps'), principal.projectId, thread.id, c.req.valid('query')), 200);
  });

  app.openapi(createMessage, async (c) => {
    const principal = requirePrincipal(c);
    const { store } = c.get('deps');
    const thread = await requireThread(store, principal, c.req.valid('param').threadId);
    const body = c.req.valid('json');
    if (body.lease_id !== undefined) {
      if (body.open_run === true) throw new ValidationFailed('open_run', 'cannot open a run while writing as the holder of one (lease_id)');
      return sendJson(c, { message_id: await writeLeasedMessage(store, principal.projectId, thread.id, body) }, 200);
    }
    const result = await store.appendMessage({
      projectId: principal.projectId,
      workspaceId: principal.workspaceId,
      threadId: thread.id,
      parentId: body.parent_id,
      ...(body.parent_external_id !== undefined && body.parent_id === null ? { parentExternalId: body.parent_external_id } : {}),
      format: body.format,
      content: body.content as Json,
      externalId: body.external_id ?? null,
      ...(body.open_run === true ? { openRun: true } : {}),
    });
    if (!result.ok) {
      if (result.reason === 'thread_not_found') throw new NotFound({ message: 'No such thread.' });
      throw new ValidationFailed(body.parent_id !== null ? 'parent_id' : 'parent_external_id', 'no such message in this thread');
    }
    const run = result.message.run;
    if (run !== undefined) {
      return sendJson(c, { message_id: result.message.id, lease_id: run.leaseId, heartbeat_interval_ms: RUN_HEARTBEAT_INTERVAL_MS }, 201);
    }
    return sendJson(c, { message_id: result.message.id }, 201);
  });

  app.openapi(updateMessage, async (c) => {
    const principal = requirePrincipal(c);
    const { store } = c.get('deps');
    const params = c.req.valid('param');
    const thread = await requireThread(store, principal, params.threadId);
    const body = c.req.valid('json');
    checkUpdated(await store.updateMessage(principal.projectId, thread.id, params.messageId, body.content as Json, body.lease_id));
    return sendEmpty(c);
  });

  app.openapi(deleteMessages, async (c) => {
    const principal = requirePrincipal(c);
    const { store } = c.get('deps');
    const thread = await requireThread(store, principal, c.req.valid('param').threadId);
    await store.deleteMessages(principal.projectId, thread.id, c.req.valid('json').message_ids);
    return sendEmpty(c);
  });

  app.openapi(postFeedback, async (c) => {
    const principal = requirePrincipal(c);
    const { store } = c.get('deps');
    const params = c.req.valid('param');
    const thread = await requireThread(store, principal, params.threadId);
    const message = await store.getMessage(principal.projectId, thread.id, params.messageId);
    if (message === undefined) throw new NotFound({ message: 'No such message.' });
    const body = c.req.valid('json');
    const comment = body.comment?.trim();
    const feedback = await store.putFeedback({
      projectId: principal.projectId,
      threadId: thread.id,
      messageId: message.id,
      userId: principal.userId,
      type: body.type,
      comment: comment === undefined || comment === '' ? null : comment,
    });
    return sendJson(c, { feedback_id: feedback.id, type: feedback.type, comment: feedback.comment }, 201);
  });

  return app;
}
