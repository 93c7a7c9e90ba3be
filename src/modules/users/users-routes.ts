/** Admin API for users: revoke all of a user's sessions and tokens (`threadgate users revoke`). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { revokeUserSessions } from '../../auth/revoke-user.js';
import type { AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { errorResponses } from '../openapi.js';
import { sendJson } from '../respond.js';
import { adminActor } from '../admin-actor.js';

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
    const deps = c.get('deps');
    const userId = c.req.valid('param').userId;
    const now = deps.clock();
    await revokeUserSessions(deps.store, deps.config.projectId, userId, now);
    deps.logger.info({ audit: 'user.revoke', userId }, 'user sessions revoked');
    deps.events.publish('user.revoked', { userId }, adminActor(c));
    return sendJson(c, { user_id: userId, revoked_before: new Date(now).toISOString() }, 200);
  });
  return app;
}
