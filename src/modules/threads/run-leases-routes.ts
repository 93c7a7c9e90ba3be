/**
 * Run leases, as the `assistant-cloud` client calls them (AssistantCloudThreadRuns.ts): the holder
 * of a lease opened with `open_run` (messages-routes.ts) beats on `heartbeat_interval_ms` and ends it with a
 * reason. The server never expires a lease; listed messages report how long ago it last beat, and
 * readers judge staleness from that.
 *
 * The thread is resolved within the principal's workspace first, and the lease within the thread,
 * so another workspace's lease answers 404 like one that never existed. Every change is one
 * conditional write (messages-repository.ts), so processes sharing the database agree.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam } from '../../http/openapi.js';
import { sendJson } from '../../http/respond.js';
import { LeaseId, RUN_HEARTBEAT_INTERVAL_MS } from './messages-routes.js';

const RunParams = z.object({
  threadId: IdParam.openapi({ param: { name: 'threadId', in: 'path' } }),
  leaseId: LeaseId.openapi({ param: { name: 'leaseId', in: 'path' } }),
});
const EndReason = z.enum(['done', 'cancelled', 'error']);

const heartbeat = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/threads/{threadId}/runs/{leaseId}/heartbeat',
  tags: ['runs'],
  summary: 'Record a beat of a running lease (409 run_ended after it ended)',
  request: { params: RunParams },
  responses: {
    200: {
      description: 'Renewed',
      content: { 'application/json': { schema: z.object({ heartbeat_interval_ms: z.number().int() }) } },
    },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const end = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/threads/{threadId}/runs/{leaseId}/end',
  tags: ['runs'],
  summary: 'End a run lease; ending an ended one succeeds and keeps its first reason',
  request: {
    params: RunParams,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.object({ reason: EndReason.optional().openapi({ description: 'Why the run ended; `done` when left out.' }) }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Ended (now or before)',
      content: { 'application/json': { schema: z.object({ status: z.literal('ended'), reason: EndReason }) } },
    },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

export function runLeaseRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(heartbeat, async (c) => {
    const principal = requirePrincipal(c);
    const params = c.req.valid('param');
    await depsOf(c).threads.service.heartbeat(principal, params.threadId, params.leaseId);
    return sendJson(c, { heartbeat_interval_ms: RUN_HEARTBEAT_INTERVAL_MS }, 200);
  });

  app.openapi(end, async (c) => {
    const principal = requirePrincipal(c);
    const params = c.req.valid('param');
    // Without a JSON body the validator hands over nothing: an end with no reason.
    const body = (c.req.valid('json') as { reason?: z.infer<typeof EndReason> } | undefined) ?? {};
    const reason = await depsOf(c).threads.service.endLease(principal, params.threadId, params.leaseId, body.reason ?? 'done');
    return sendJson(c, { status: 'ended' as const, reason }, 200);
  });

  return app;
}
