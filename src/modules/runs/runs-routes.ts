/**
 * Run reports, engagement events and scores (AssistantCloudRuns/Events/Scores.ts). Telemetry is
 * data the workspace owns like its threads: it is stored under the principal's project and
 * workspace, and any thread it names must be one of the workspace's own (else 404, runs-service.ts),
 * so a report can never attach itself to another workspace's conversation.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Json } from '../../store/store.js';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, storedJson, storedJsonDocument, storedText } from '../../http/openapi.js';
import { sendJson } from '../../http/respond.js';

const createRun = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/runs',
  tags: ['telemetry'],
  summary: 'Store a run report (status, steps, token usage, tool calls)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          // Stored whole, so the whole report is bounded like any stored JSON value.
          schema: storedJsonDocument(
            z.looseObject({
              thread_id: IdParam,
              status: z.enum(['completed', 'incomplete', 'error']),
            }),
          ),
        },
      },
    },
  },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: z.object({ run_id: z.string() }) } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const EventSchema = z.object({
  kind: storedText(64, 1),
  thread_id: IdParam.optional(),
  message_id: IdParam.optional(),
  run_id: IdParam.optional(),
  value: z.number().int().min(0).optional(),
  props: storedJson(z.record(z.string(), z.union([storedText(1000), z.number(), z.boolean()]))).optional(),
});

const createEvents = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/events',
  tags: ['telemetry'],
  summary: 'Store a batch of engagement events',
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ events: z.array(EventSchema).min(1).max(100) }) } } },
  },
  responses: {
    202: { description: 'Stored', content: { 'application/json': { schema: z.object({ accepted: z.number().int() }) } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const ScoreResponse = z.object({
  score_id: z.string(),
  name: z.string(),
  data_type: z.enum(['numeric', 'categorical', 'boolean']),
  value: z.number().nullable(),
  string_value: z.string().nullable(),
});

const createScore = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/scores',
  tags: ['telemetry'],
  summary: 'Store a score (numeric, categorical or boolean) on a thread, message or run',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            name: storedText(255, 1),
            data_type: z.enum(['numeric', 'categorical', 'boolean']),
            value: z.union([z.number(), z.boolean()]).optional(),
            string_value: storedText(1000).optional(),
            comment: storedText(10_000).optional(),
            thread_id: IdParam.optional(),
            message_id: IdParam.optional(),
            run_id: IdParam.optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: ScoreResponse } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

export function telemetryRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(createRun, async (c) => {
    const principal = requirePrincipal(c);
    const report = c.req.valid('json');
    const run = await depsOf(c).runs.service.createRun(principal, report.thread_id, report.status, report as Json);
    return sendJson(c, { run_id: run.id }, 201);
  });

  app.openapi(createEvents, async (c) => {
    const principal = requirePrincipal(c);
    const { events } = c.req.valid('json');
    const accepted = await depsOf(c).runs.service.createEvents(
      principal,
      events.map((event) => ({
        kind: event.kind,
        threadId: event.thread_id ?? null,
        messageId: event.message_id ?? null,
        runId: event.run_id ?? null,
        value: event.value ?? null,
        props: (event.props ?? null) as Json,
      })),
    );
    return sendJson(c, { accepted }, 202);
  });

  app.openapi(createScore, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const value = typeof body.value === 'boolean' ? (body.value ? 1 : 0) : (body.value ?? null);
    const score = await depsOf(c).runs.service.createScore(principal, {
      name: body.name,
      dataType: body.data_type,
      value,
      stringValue: body.string_value ?? null,
      comment: body.comment ?? null,
      threadId: body.thread_id ?? null,
      messageId: body.message_id ?? null,
      runId: body.run_id ?? null,
    });
    return sendJson(
      c,
      { score_id: score.id, name: score.name, data_type: score.dataType, value: score.value, string_value: score.stringValue },
      201,
    );
  });

  return app;
}
