/** `GET /v1/me`: who the credential says the caller is, and through which credential path. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ALL_SCOPES } from '../../auth/principal.js';
import type { AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { requirePrincipal } from '../middleware/authorize.js';
import { describePrincipal } from '../../auth/inspect-token.js';
import { errorResponses } from '../openapi.js';
import { sendJson } from '../respond.js';

const me = declareRoute({ category: 'data', scope: 'threads:read' }, {
  method: 'get',
  path: '/v1/me',
  tags: ['auth'],
  summary: 'The principal behind the credential',
  responses: {
    200: {
      description: 'The principal',
      content: {
        'application/json': {
          schema: z
            .object({
              user_id: z.string(),
              workspace_id: z.string(),
              project_id: z.string(),
              source: z.string().openapi({ description: 'The credential path: workspace_token, api_key, anonymous, ...' }),
              credential_id: z.string(),
              scopes: z.array(z.enum(ALL_SCOPES)),
              agents: z.union([z.literal('all'), z.array(z.string())]),
              anonymous: z.boolean(),
              expires_at: z.string().nullable(),
            })
            .openapi('Principal'),
        },
      },
    },
    ...errorResponses(401, 403),
  },
});

export function meRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  app.openapi(me, (c) => sendJson(c, describePrincipal(requirePrincipal(c)), 200));
  return app;
}
