/**
 * Admin API for authentication keys (`/admin/v1/auth-keys`, admin key as Bearer): the HS256 keys
 * an app's backend signs user tokens with (SPEC 2.3). The secret is in the create response only;
 * it is stored sealed with the master key and never listed. Deleting a key refuses its tokens, and
 * the workspace tokens exchanged for them, from the next request on.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../errors.js';
import { createAuthKey, deleteAuthKey, listAuthKeys } from '../../auth/auth-key.js';
import type { AuthKeyRecord } from '../../store/store.js';
import type { AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { errorResponses, IdParam, storedText } from '../openapi.js';
import { sendEmpty, sendJson } from '../respond.js';
import { adminActor } from '../admin-actor.js';

const AuthKeySchema = z
  .object({
    id: z.string().openapi({ description: 'The key id: the `kid` header of every token signed with this key.', example: 'ak_0j7x0kz4m1a2b3c4d5e6f7g8h9' }),
    name: z.string(),
    agents: z.union([z.literal('all'), z.array(z.string())]),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('AuthKey');

/**
 * An authentication key as the admin API and CLI show it: never its secret, sealed or not.
 *
 * @example
 * toWireAuthKey(record) // { id: 'ak_…', name: 'production', agents: 'all', created_at: '2030-…' }
 */
export function toWireAuthKey(record: AuthKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    agents: record.agents,
    created_at: new Date(record.createdAt).toISOString(),
  };
}

const createKey = declareRoute({ category: 'admin' }, {
  method: 'post',
  path: '/admin/v1/auth-keys',
  tags: ['admin'],
  summary: 'Create an authentication key for HS256 user tokens (the secret is in this response only)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            name: storedText(200, 1),
            agents: z
              .union([z.literal('all'), z.array(storedText(128, 1)).min(1).max(1000)])
              .optional()
              .openapi({ description: '"all" (default) or the agent ids the key\'s tokens may use.' }),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Created',
      content: {
        'application/json': {
          schema: AuthKeySchema.extend({
            secret: z.string().openapi({ description: 'The HS256 secret (`sk-tg-…`), used as is. Shown only here.' }),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 413),
  },
});

const listKeys = declareRoute({ category: 'admin' }, {
  method: 'get',
  path: '/admin/v1/auth-keys',
  tags: ['admin'],
  summary: 'List authentication keys (never their secrets)',
  responses: {
    200: { description: 'The keys, newest first', content: { 'application/json': { schema: z.object({ auth_keys: z.array(AuthKeySchema) }) } } },
    ...errorResponses(401),
  },
});

const removeKey = declareRoute({ category: 'admin' }, {
  method: 'delete',
  path: '/admin/v1/auth-keys/{keyId}',
  tags: ['admin'],
  summary: 'Delete an authentication key: its tokens are refused from the next request on',
  request: { params: z.object({ keyId: IdParam.openapi({ param: { name: 'keyId', in: 'path' } }) }) },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 404) },
});

export function authKeyRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(createKey, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const { record, secret } = await createAuthKey(
      deps.store,
      deps.secretBox,
      { projectId: deps.config.projectId, name: body.name, ...(body.agents !== undefined ? { agents: body.agents } : {}) },
      deps.clock,
    );
    deps.logger.info({ audit: 'auth_key.create', id: record.id }, 'authentication key created');
    deps.events.publish('auth_key.created', { authKey: { id: record.id, name: record.name, agents: record.agents } }, adminActor(c));
    return sendJson(c, { ...toWireAuthKey(record), secret }, 201, { 'Cache-Control': 'no-store' });
  });

  app.openapi(listKeys, async (c) => {
    const deps = c.get('deps');
    const records = await listAuthKeys(deps.store, deps.config.projectId);
    return sendJson(c, { auth_keys: records.map(toWireAuthKey) }, 200);
  });

  app.openapi(removeKey, async (c) => {
    const deps = c.get('deps');
    const id = c.req.valid('param').keyId;
    if (!(await deleteAuthKey(deps.store, deps.config.projectId, id))) throw new NotFound({ message: 'No such authentication key.' });
    deps.logger.info({ audit: 'auth_key.delete', id }, 'authentication key deleted');
    deps.events.publish('auth_key.deleted', { id }, adminActor(c));
    return sendEmpty(c);
  });

  return app;
}
