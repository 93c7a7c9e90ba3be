/** Admin API for users: revoke all of a user's sessions and tokens (`threadgate users revoke`). */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { errorResponses } from '../../http/openapi.js';
import { sendJson } from '../../http/respond.js';
import { adminActor } from '../../http/admin-actor.js';

const revokeUser = declareRoute({ category: 'admin' }, {
  method: 'post',
  path: '/admin/v1/users/{userId}/revoke',
  tags: ['admin'],
  summary: 'Revoke every session and token of a user issued before now',
  request: {
    params: z.object({ userId: z.string().min(1).max(255).openapi({ param: { name: 'userId', in: 'path' } }) }),
  },
  responses: {
    200: { description: 'Revoked', content: { 'application/json': { schema: z.object({ user_id: z.string(), revoked_before: z.string() }) } } },
    ...errorResponses(400, 401),
  },
});

export function userRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  app.openapi(revokeUser, async (c) => {
    const userId = c.req.valid('param').userId;
    const { revokedBefore } = await depsOf(c).users.service.revokeUser(userId, adminActor(c));
    return sendJson(c, { user_id: userId, revoked_before: new Date(revokedBefore).toISOString() }, 200);
  });
  return app;
}
