/**
 * Admin API for API keys (`/admin/v1/api-keys`, admin key as Bearer). A key is shown once, in the
 * create response; only its SHA-256 and a short prefix are stored. Revocation takes effect on the
 * next request, for the key and for every workspace token minted with it.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../errors.js';
import { ALL_SCOPES } from '../../auth/principal.js';
import { parseScopes } from '../../auth/policy.js';
import { createApiKey } from '../../auth/api-key.js';
import type { ApiKeyRecord } from '../../store/store.js';
import type { AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { errorResponses, IdParam, storedText } from '../openapi.js';
import { sendEmpty, sendJson } from '../respond.js';
import { adminActor } from '../admin-actor.js';

const ApiKeySchema = z
  .object({
    id: z.string(),
    prefix: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(ALL_SCOPES)),
    agents: z.union([z.literal('all'), z.array(z.string())]),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey');

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toWireApiKey(record: ApiKeyRecord) {
  return {
    id: record.id,
    prefix: record.prefix,
    name: record.name,
    scopes: [...parseScopes(record.scopes)],
    agents: record.agents,
    created_at: new Date(record.createdAt).toISOString(),
    last_used_at: iso(record.lastUsedAt),
    revoked_at: iso(record.revokedAt),
  };
}

/** What an audit may show of a key: never the key or its hash. */
export function apiKeySummary(record: ApiKeyRecord) {
  const { id, prefix, name, scopes, agents } = toWireApiKey(record);
  return { id, prefix, name, scopes, agents };
}

const createKey = declareRoute({ category: 'admin' }, {
  method: 'post',
  path: '/admin/v1/api-keys',
  tags: ['admin'],
  summary: 'Create an API key (the key is in this response only)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            name: storedText(200, 1),
            scopes: z.array(z.enum(ALL_SCOPES)).min(1).optional(),
            agents: z.union([z.literal('all'), z.array(storedText(128, 1)).max(1000)]).optional(),
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
          schema: ApiKeySchema.extend({ key: z.string().openapi({ description: 'The whole key. Shown only here.' }) }),
        },
      },
    },
    ...errorResponses(400, 401, 413),
  },
});

const listKeys = declareRoute({ category: 'admin' }, {
  method: 'get',
  path: '/admin/v1/api-keys',
  tags: ['admin'],
  summary: 'List API keys (never their secrets)',
  responses: {
    200: { description: 'The keys', content: { 'application/json': { schema: z.object({ api_keys: z.array(ApiKeySchema) }) } } },
    ...errorResponses(401),
  },
});

const revokeKey = declareRoute({ category: 'admin' }, {
  method: 'delete',
  path: '/admin/v1/api-keys/{keyId}',
  tags: ['admin'],
  summary: 'Revoke an API key',
  request: { params: z.object({ keyId: IdParam.openapi({ param: { name: 'keyId', in: 'path' } }) }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 404) },
});

export function apiKeyRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(createKey, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const { record, key } = await createApiKey(deps.store, {
      projectId: deps.config.projectId,
      name: body.name,
      ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
      ...(body.agents !== undefined ? { agents: body.agents } : {}),
    });
    deps.logger.info({ audit: 'api_key.create', id: record.id, prefix: record.prefix }, 'API key created');
    deps.events.publish('api_key.created', { apiKey: apiKeySummary(record) }, adminActor(c));
    return sendJson(c, { ...toWireApiKey(record), key }, 201, { 'Cache-Control': 'no-store' });
  });

  app.openapi(listKeys, async (c) => {
    const deps = c.get('deps');
    const records = await deps.store.listApiKeys(deps.config.projectId);
    return sendJson(c, { api_keys: records.map(toWireApiKey) }, 200);
  });

  app.openapi(revokeKey, async (c) => {
    const deps = c.get('deps');
    const id = c.req.valid('param').keyId;
    const revoked = await deps.store.revokeApiKey(deps.config.projectId, id, deps.clock());
    if (!revoked) throw new NotFound({ message: 'No such API key.' });
    deps.logger.info({ audit: 'api_key.revoke', id }, 'API key revoked');
    deps.events.publish('api_key.revoked', { id }, adminActor(c));
    return sendEmpty(c);
  });

  return app;
}
