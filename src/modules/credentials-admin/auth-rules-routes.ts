/**
 * Admin API for auth rules (`/admin/v1/auth-rules`, admin key as Bearer): which identity providers'
 * tokens are accepted and how they map to users and workspaces (SPEC 2.4). Nothing in a rule is
 * secret. Deleting or disabling a rule refuses its tokens, and the workspace tokens exchanged for
 * them, from the next request on, in every process.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../errors.js';
import { AUTH_RULE_ALGORITHMS, AUTH_RULE_TOKEN_TYPES, createAuthRule, toWireAuthRule, updateAuthRule, type AuthRuleInput } from '../../auth/oidc/auth-rule.js';
import { PRESET_IDS } from '../../auth/oidc/presets.js';
import { providerUrlPolicyOf } from '../../auth/oidc/provider-url.js';
import type { AppDeps, AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { errorResponses, IdParam, storedText } from '../openapi.js';
import { sendEmpty, sendJson } from '../respond.js';
import { adminActor } from '../admin-actor.js';

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

const RuleParam = z.object({ ruleId: IdParam.openapi({ param: { name: 'ruleId', in: 'path' } }) });
const ruleResponse = { description: 'The rule', content: { 'application/json': { schema: AuthRuleSchema } } };

const createRule = declareRoute({ category: 'admin' }, {
  method: 'post',
  path: '/admin/v1/auth-rules',
  tags: ['admin'],
  summary: 'Create an auth rule: accept an identity provider\'s tokens',
  request: { body: { required: true, content: { 'application/json': { schema: CreateBody } } } },
  responses: { 201: { ...ruleResponse, description: 'Created' }, ...errorResponses(400, 401, 413) },
});

const listRules = declareRoute({ category: 'admin' }, {
  method: 'get',
  path: '/admin/v1/auth-rules',
  tags: ['admin'],
  summary: 'List auth rules, oldest first',
  responses: {
    200: { description: 'The rules', content: { 'application/json': { schema: z.object({ auth_rules: z.array(AuthRuleSchema) }) } } },
    ...errorResponses(401),
  },
});

const getRule = declareRoute({ category: 'admin' }, {
  method: 'get',
  path: '/admin/v1/auth-rules/{ruleId}',
  tags: ['admin'],
  summary: 'Get an auth rule',
  request: { params: RuleParam },
  responses: { 200: ruleResponse, ...errorResponses(401, 404) },
});

const patchRule = declareRoute({ category: 'admin' }, {
  method: 'patch',
  path: '/admin/v1/auth-rules/{ruleId}',
  tags: ['admin'],
  summary: 'Change an auth rule (null resets a field to its default; enabled: false stops it at once)',
  request: { params: RuleParam, body: { required: true, content: { 'application/json': { schema: PatchBody } } } },
  responses: { 200: ruleResponse, ...errorResponses(400, 401, 404, 413) },
});

const deleteRule = declareRoute({ category: 'admin' }, {
  method: 'delete',
  path: '/admin/v1/auth-rules/{ruleId}',
  tags: ['admin'],
  summary: 'Delete an auth rule: its tokens are refused from the next request on',
  request: { params: RuleParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 404) },
});

function context(deps: AppDeps) {
  return { projectId: deps.config.projectId, policy: providerUrlPolicyOf(deps.config), clock: deps.clock };
}

const noSuchRule = () => new NotFound({ message: 'No such auth rule.' });

export function authRuleRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(createRule, async (c) => {
    const deps = c.get('deps');
    const rule = await createAuthRule(deps.store, c.req.valid('json') as AuthRuleInput, context(deps));
    deps.logger.info({ audit: 'auth_rule.create', id: rule.id, issuer: rule.issuer }, 'auth rule created');
    deps.events.publish('auth_rule.created', { rule: toWireAuthRule(rule) }, adminActor(c));
    return sendJson(c, toWireAuthRule(rule), 201);
  });

  app.openapi(listRules, async (c) => {
    const deps = c.get('deps');
    const rules = await deps.store.listAuthRules(deps.config.projectId);
    return sendJson(c, { auth_rules: rules.map(toWireAuthRule) }, 200);
  });

  app.openapi(getRule, async (c) => {
    const deps = c.get('deps');
    const rule = await deps.store.getAuthRule(deps.config.projectId, c.req.valid('param').ruleId);
    if (rule === undefined) throw noSuchRule();
    return sendJson(c, toWireAuthRule(rule), 200);
  });

  app.openapi(patchRule, async (c) => {
    const deps = c.get('deps');
    const id = c.req.valid('param').ruleId;
    // For the audit's before/after (read apart from the update: a concurrent change may fall between).
    const before = await deps.store.getAuthRule(deps.config.projectId, id);
    const rule = await updateAuthRule(deps.store, id, c.req.valid('json') as AuthRuleInput, context(deps));
    if (rule === undefined) throw noSuchRule();
    deps.logger.info({ audit: 'auth_rule.update', id, enabled: rule.enabled }, 'auth rule updated');
    const after = toWireAuthRule(rule);
    deps.events.publish('auth_rule.updated', { id, before: before !== undefined ? toWireAuthRule(before) : after, after }, adminActor(c));
    return sendJson(c, toWireAuthRule(rule), 200);
  });

  app.openapi(deleteRule, async (c) => {
    const deps = c.get('deps');
    const id = c.req.valid('param').ruleId;
    const before = await deps.store.getAuthRule(deps.config.projectId, id);
    if (!(await deps.store.deleteAuthRule(deps.config.projectId, id))) throw noSuchRule();
    deps.logger.info({ audit: 'auth_rule.delete', id }, 'auth rule deleted');
    deps.events.publish('auth_rule.deleted', { id, ...(before !== undefined ? { before: toWireAuthRule(before) } : {}) }, adminActor(c));
    return sendEmpty(c);
  });

  return app;
}
