/**
 * Admin API for API keys (`/admin/v1/api-keys`, admin key as Bearer). A key is shown once, in the
 * create response; only its SHA-256 and a short prefix are stored. Revocation takes effect on the
 * next request, for the key and for every workspace token minted with it.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ALL_SCOPES } from '../../auth/principal.js';
import type { AppEnv } from '../../http/context.js';
import { adminCrudRoutes, declareAdminCrud } from '../../http/admin-crud.js';
import { storedText } from '../../http/openapi.js';
import { adminActor } from '../../http/admin-actor.js';
import { toWireApiKey } from './credentials-wire.js';

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

const apiKeys = declareAdminCrud({
  path: '/admin/v1/api-keys',
  idParam: 'keyId',
  noun: 'API key',
  listField: 'api_keys',
  schema: ApiKeySchema,
  toWire: toWireApiKey,
  create: {
    summary: 'Create an API key (the key is in this response only)',
    body: z.object({
      name: storedText(200, 1),
      scopes: z.array(z.enum(ALL_SCOPES)).min(1).optional(),
      agents: z.union([z.literal('all'), z.array(storedText(128, 1)).max(1000)]).optional(),
    }),
    created: ApiKeySchema.extend({ key: z.string().openapi({ description: 'The whole key. Shown only here.' }) }),
    async run(c, body) {
      const { record, key } = await depsOf(c).credentials.service.createApiKey(
        { name: body.name, ...(body.scopes !== undefined ? { scopes: body.scopes } : {}), ...(body.agents !== undefined ? { agents: body.agents } : {}) },
        adminActor(c),
      );
      return { record, reveal: { key } };
    },
  },
  list: { summary: 'List API keys (never their secrets)', description: 'The keys', run: (c) => depsOf(c).credentials.service.listApiKeys() },
  remove: { summary: 'Revoke an API key', description: 'Revoked', run: (c, id) => depsOf(c).credentials.service.revokeApiKey(id, adminActor(c)) },
});

export function apiKeyRoutes(): OpenAPIHono<AppEnv> {
  return adminCrudRoutes(apiKeys);
}
