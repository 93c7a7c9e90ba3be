/** `POST /admin/v1/tokens/inspect`: why a credential is accepted or refused, step by step. */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { inspectToken } from '../../auth/inspect-token.js';
import type { AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { errorResponses } from '../openapi.js';
import { sendJson } from '../respond.js';

const Step = z.object({ check: z.string(), ok: z.boolean(), detail: z.string().optional() });

const inspect = declareRoute({ category: 'admin' }, {
  method: 'post',
  path: '/admin/v1/tokens/inspect',
  tags: ['admin'],
  summary: 'Explain why a token (or API key) is accepted or refused against the live configuration',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            token: z.string().min(1).max(16_384),
            user_id: z.string().max(255).optional().openapi({ description: 'Aui-User-Id, with an API key' }),
            workspace_id: z.string().max(255).optional().openapi({ description: 'Aui-Workspace-Id, with an API key' }),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The explanation (never containing the token or any secret)',
      content: {
        'application/json': {
          schema: z
            .object({
              accepted: z.boolean(),
              header: z.record(z.string(), z.unknown()).nullable(),
              claims: z.record(z.string(), z.unknown()).nullable(),
              steps: z.array(Step),
              principal: z.record(z.string(), z.unknown()).nullable(),
              error: z.object({ code: z.string(), message: z.string(), claim: z.string().optional() }).nullable(),
            })
            .openapi('TokenInspection'),
        },
      },
    },
    ...errorResponses(400, 401, 413),
  },
});

export function inspectRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  app.openapi(inspect, async (c) => {
    const body = c.req.valid('json');
    const report = await inspectToken(depsOf(c).authenticator, body.token, {
      ...(body.user_id !== undefined ? { userId: body.user_id } : {}),
      ...(body.workspace_id !== undefined ? { workspaceId: body.workspace_id } : {}),
    });
    return sendJson(c, report, 200, { 'Cache-Control': 'no-store' });
  });
  return app;
}
