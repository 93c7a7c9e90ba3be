/**
 * Admin API for auth rules (`/admin/v1/auth-rules`, admin key as Bearer): which identity providers'
 * tokens are accepted and how they map to users and workspaces (SPEC 2.4). Nothing in a rule is
 * secret. Deleting or disabling a rule refuses its tokens, and the workspace tokens exchanged for
 * them, from the next request on, in every process.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AUTH_RULE_ALGORITHMS, AUTH_RULE_TOKEN_TYPES, toWireAuthRule, type AuthRuleInput } from '../../auth/oidc/auth-rule.js';
import { PRESET_IDS } from '../../auth/oidc/presets.js';
import type { AppEnv } from '../../http/context.js';
import { adminCrudRoutes, declareAdminCrud } from '../../http/admin-crud.js';
import { storedText } from '../../http/openapi.js';
import { adminActor } from '../../http/admin-actor.js';

const AuthRuleSchema = z
  .object({
    id: z.string().openapi({ example: 'ar_0j7x0kz4m1a2b3c4d5e6f7g8h9' }),
    name: z.string(),
    provider: z.string().nullable().openapi({ description: `The preset the rule was made from (${PRESET_IDS.join(', ')}), or null.` }),
    issuer: z.string().openapi({ description: 'Tokens whose `iss` is exactly this are checked by this rule.' }),
    audience: z.string().openapi({ description: 'The `aud` the tokens must carry.' }),
    jwks_uri: z.string().nullable(),
    discovery_url: z.string().nullable(),
    algorithms: z.array(z.string()).openapi({ description: `Some of ${AUTH_RULE_ALGORITHMS.join(', ')}.` }),
    token_type: z.enum(AUTH_RULE_TOKEN_TYPES),
    user_id_claim: z.string(),
    workspace_template: z.string().nullable(),
    required_claims: z.record(z.string(), z.unknown()).openapi({ description: 'Claim name → a required value (string, number, boolean) or a list of accepted values.' }),
    scopes_claim: z.string().nullable(),
    user_fields: z.record(z.string(), z.string()).openapi({ description: 'mapUser: user field → claim. Agents\' instructions read `{user.<field>}`.' }),
    enabled: z.boolean(),
    service: z.boolean().openapi({ description: 'A service rule: its tokens act for the user in Aui-User-Id / Aui-Workspace-Id, never as a user.' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('AuthRule');

/** The writable fields; types only here, auth/oidc/auth-rule.ts validates the values (one place for CLI and API). */
const writable = {
  name: storedText(200),
  provider: z.string().max(32).nullable().openapi({ description: `A preset: ${PRESET_IDS.join(', ')}. Fills every field left out.` }),
  issuer: z.string().max(1024),
  audience: z.string().max(1024),
  jwks_uri: z.string().max(2048).nullable().openapi({ description: 'The provider\'s JWKS URL (https). Give this or discovery_url, or neither to use the preset\'s or the issuer\'s discovery document.' }),
  discovery_url: z.string().max(2048).nullable().openapi({ description: 'The OIDC discovery document URL; default `<issuer>/.well-known/openid-configuration`.' }),
  algorithms: z.array(z.string().max(16)).max(16).nullable().openapi({ description: 'Default ["RS256"] (or the preset\'s). HS* and none are refused.' }),
  token_type: z.string().max(16).nullable().openapi({ description: '"access" (refuses ID tokens), "id" (refuses access tokens) or "any".' }),
  user_id_claim: z.string().max(256).nullable().openapi({ description: 'Default "sub".' }),
  workspace_template: z.string().max(512).nullable().openapi({ description: 'E.g. "{org_id}_{sub}"; default: the user id.', example: '{org_id}_{sub}' }),
  required_claims: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'Claim name → required value, or a list of accepted values.' }),
  scopes_claim: z.string().max(256).nullable().openapi({ description: 'The claim listing the token\'s scopes ("scope" or "scp"); default: every scope.' }),
  user_fields: z.record(z.string(), z.string().max(256)).nullable().openapi({ description: 'mapUser: user field name → claim name, e.g. {"name": "name", "org": "org_id"}; agents\' instructions read `{user.name}`. At most 16.', example: { name: 'name' } }),
  enabled: z.boolean(),
  service: z.boolean().openapi({ description: 'Default false. A service rule accepts a backend\'s own token (client credentials) acting for the user named in Aui-User-Id and Aui-Workspace-Id, with the rule\'s scopes; such a token without those headers is refused.' }),
};

const CreateBody = z.object({
  ...writable,
  name: writable.name,
  issuer: writable.issuer,
  audience: writable.audience,
  provider: writable.provider.optional(),
  jwks_uri: writable.jwks_uri.optional(),
  discovery_url: writable.discovery_url.optional(),
  algorithms: writable.algorithms.optional(),
  token_type: writable.token_type.optional(),
  user_id_claim: writable.user_id_claim.optional(),
  workspace_template: writable.workspace_template.optional(),
  required_claims: writable.required_claims.optional(),
  scopes_claim: writable.scopes_claim.optional(),
  user_fields: writable.user_fields.optional(),
  enabled: writable.enabled.optional(),
  service: writable.service.optional(),
});

const PatchBody = z.object(Object.fromEntries(Object.entries(writable).map(([key, schema]) => [key, schema.optional()])) as {
  [K in keyof typeof writable]: z.ZodOptional<(typeof writable)[K]>;
});

const service = (c: Context<AppEnv>) => depsOf(c).credentials.service;

const authRules = declareAdminCrud({
  path: '/admin/v1/auth-rules',
  idParam: 'ruleId',
  noun: 'auth rule',
  listField: 'auth_rules',
  schema: AuthRuleSchema,
  itemDescription: 'The rule',
  toWire: toWireAuthRule,
  create: {
    summary: 'Create an auth rule: accept an identity provider\'s tokens',
    body: CreateBody,
    run: async (c, body) => ({ record: await service(c).createAuthRule(body as AuthRuleInput, adminActor(c)) }),
  },
  list: { summary: 'List auth rules, oldest first', description: 'The rules', run: (c) => service(c).listAuthRules() },
  get: { summary: 'Get an auth rule', run: (c, id) => service(c).getAuthRule(id) },
  update: {
    summary: 'Change an auth rule (null resets a field to its default; enabled: false stops it at once)',
    body: PatchBody,
    run: (c, id, body) => service(c).updateAuthRule(id, body as AuthRuleInput, adminActor(c)),
  },
  remove: {
    summary: 'Delete an auth rule: its tokens are refused from the next request on',
    description: 'Deleted',
    run: (c, id) => service(c).deleteAuthRule(id, adminActor(c)),
  },
});

export function authRuleRoutes(): OpenAPIHono<AppEnv> {
  return adminCrudRoutes(authRules);
}
