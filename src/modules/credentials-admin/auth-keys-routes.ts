/**
 * Admin API for authentication keys (`/admin/v1/auth-keys`, admin key as Bearer): the HS256 keys
 * an app's backend signs user tokens with (SPEC 2.3). The secret is in the create response only;
 * it is stored sealed with the master key and never listed. A change of a key's agents or user
 * fields applies to its tokens from their next request on. Deleting a key refuses its tokens, and
 * the workspace tokens exchanged for them, from the next request on.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../http/context.js';
import { adminCrudRoutes, declareAdminCrud } from '../../http/admin-crud.js';
import { storedText } from '../../http/openapi.js';
import { adminActor } from '../../http/admin-actor.js';
import { toWireAuthKey } from './credentials-wire.js';
import type { AuthKeyUpdate } from '../../auth/auth-key.js';

const AuthKeySchema = z
  .object({
    id: z.string().openapi({ description: 'The key id: the `kid` header of every token signed with this key.', example: 'ak_0j7x0kz4m1a2b3c4d5e6f7g8h9' }),
    name: z.string(),
    agents: z.union([z.literal('all'), z.array(z.string())]),
    user_fields: z.record(z.string(), z.string()).openapi({ description: 'mapUser: user field → claim of the key\'s tokens. Agents\' instructions read `{user.<field>}`.' }),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('AuthKey');

/** The writable fields, as create takes them; auth/auth-key.ts validates the values (one place for CLI and API). */
const writable = {
  name: storedText(200, 1),
  agents: z
    .union([z.literal('all'), z.array(storedText(128, 1)).min(1).max(1000)])
    .openapi({ description: '"all" (default) or the agent ids the key\'s tokens may use.' }),
  user_fields: z.record(z.string(), z.string().max(256)).nullable().openapi({ description: 'mapUser: user field name → claim name of the key\'s tokens, e.g. {"name": "name", "org": "org_id"}; agents\' instructions read `{user.name}`. At most 16; null: none.', example: { name: 'name' } }),
};

const service = (c: Context<AppEnv>) => depsOf(c).credentials.service;

/** The fields of a create or update body that are present, as the service takes them. */
function fieldsOf(body: { name?: string; agents?: 'all' | string[]; user_fields?: Record<string, string> | null }): AuthKeyUpdate {
  return {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.agents !== undefined ? { agents: body.agents } : {}),
    ...(body.user_fields !== undefined ? { userFields: body.user_fields } : {}),
  };
}

const authKeys = declareAdminCrud({
  path: '/admin/v1/auth-keys',
  idParam: 'keyId',
  noun: 'authentication key',
  listField: 'auth_keys',
  schema: AuthKeySchema,
  toWire: toWireAuthKey,
  create: {
    summary: 'Create an authentication key for HS256 user tokens (the secret is in this response only)',
    body: z.object({ name: writable.name, agents: writable.agents.optional(), user_fields: writable.user_fields.optional() }),
    created: AuthKeySchema.extend({
      secret: z.string().openapi({ description: 'The HS256 secret (`sk-tg-…`), used as is. Shown only here.' }),
    }),
    async run(c, body) {
      const { record, secret } = await service(c).createAuthKey({ ...fieldsOf(body), name: body.name }, adminActor(c));
      return { record, reveal: { secret } };
    },
  },
  list: {
    summary: 'List authentication keys (never their secrets)',
    description: 'The keys, newest first',
    run: (c) => service(c).listAuthKeys(),
  },
  update: {
    summary: 'Change an authentication key\'s name, agents or user fields (null clears them); its tokens follow from their next request on',
    body: z.object({ name: writable.name.optional(), agents: writable.agents.optional(), user_fields: writable.user_fields.optional() }),
    run: (c, id, body) => service(c).updateAuthKey(id, fieldsOf(body), adminActor(c)),
  },
  remove: {
    summary: 'Delete an authentication key: its tokens are refused from the next request on',
    description: 'Deleted',
    run: (c, id) => service(c).deleteAuthKey(id, adminActor(c)),
  },
});

export function authKeyRoutes(): OpenAPIHono<AppEnv> {
  return adminCrudRoutes(authKeys);
}
