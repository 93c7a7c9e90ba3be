/**
 * `threadgate auth-rules create|list|update|delete`: manages auth rules (identity-provider tokens)
 * directly in the database, as `POST|GET|PATCH|DELETE /admin/v1/auth-rules` do over HTTP, with the
 * same service (modules/credentials-admin) and validation (auth/oidc/auth-rule.ts). A change reaches
 * running servers through the revocation epoch (database, and Redis when set).
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../config.js';
import { toWireAuthRule, type AuthRuleInput } from '../../auth/oidc/auth-rule.js';
import { CliUsageError } from '../cli-usage-error.js';
import { openCliStore } from '../open-cli-store.js';

const FIELD_OPTIONS = {
  name: { type: 'string' },
  provider: { type: 'string' },
  issuer: { type: 'string' },
  audience: { type: 'string' },
  'jwks-uri': { type: 'string' },
  'discovery-url': { type: 'string' },
  algorithms: { type: 'string' },
  'token-type': { type: 'string' },
  'user-id-claim': { type: 'string' },
  'workspace-template': { type: 'string' },
  'required-claims': { type: 'string' },
  'scopes-claim': { type: 'string' },
  'user-fields': { type: 'string' },
} as const;

/** Fields `update --reset` can set back to their default. */
const RESETTABLE = ['provider', 'jwks_uri', 'discovery_url', 'algorithms', 'token_type', 'user_id_claim', 'workspace_template', 'required_claims', 'scopes_claim', 'user_fields'] as const;

function toInput(values: Partial<Record<keyof typeof FIELD_OPTIONS, string>>): AuthRuleInput {
  const input: AuthRuleInput = {};
  if (values.name !== undefined) input.name = values.name;
  if (values.provider !== undefined) input.provider = values.provider;
  if (values.issuer !== undefined) input.issuer = values.issuer;
  if (values.audience !== undefined) input.audience = values.audience;
  if (values['jwks-uri'] !== undefined) input.jwks_uri = values['jwks-uri'];
  if (values['discovery-url'] !== undefined) input.discovery_url = values['discovery-url'];
  if (values.algorithms !== undefined) input.algorithms = values.algorithms.split(',').map((alg) => alg.trim());
  if (values['token-type'] !== undefined) input.token_type = values['token-type'];
  if (values['user-id-claim'] !== undefined) input.user_id_claim = values['user-id-claim'];
  if (values['workspace-template'] !== undefined) input.workspace_template = values['workspace-template'];
  if (values['scopes-claim'] !== undefined) input.scopes_claim = values['scopes-claim'];
  if (values['required-claims'] !== undefined) {
    try {
      input.required_claims = JSON.parse(values['required-claims']) as Record<string, unknown>;
    } catch {
      throw new CliUsageError('--required-claims must be a JSON object, e.g. \'{"email_verified": true}\'');
    }
  }
  if (values['user-fields'] !== undefined) {
    try {
      input.user_fields = JSON.parse(values['user-fields']) as Record<string, unknown>;
    } catch {
      throw new CliUsageError('--user-fields must be a JSON object, e.g. \'{"name": "name", "org": "org_id"}\'');
    }
  }
  return input;
}

export async function runAuthRules(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'create' && action !== 'list' && action !== 'update' && action !== 'delete') {
    throw new CliUsageError(`auth-rules ${action ?? ''}: expected create, list, update or delete`);
  }
  const config = resolveConfig(process.env);
  const { credentials, actor, close } = await openCliStore(config);
  try {
    switch (action) {
      case 'create': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...FIELD_OPTIONS, disabled: { type: 'boolean' }, service: { type: 'boolean' } } });
        if (positionals.length > 0) throw new CliUsageError(`auth-rules create: unexpected "${positionals[0]}"`);
        for (const required of ['name', 'issuer', 'audience'] as const) {
          if (!values[required]) throw new CliUsageError(`auth-rules create needs --${required}`);
        }
        const rule = await credentials.service.createAuthRule({ ...toInput(values), ...(values.disabled ? { enabled: false } : {}), ...(values.service ? { service: true } : {}) }, actor);
        console.log(JSON.stringify(toWireAuthRule(rule), null, 2));
        console.error(`Tokens whose iss is exactly ${rule.issuer} and aud contains ${rule.audience} are accepted from now on.`);
        return 0;
      }
      case 'list': {
        if (rest.length > 0) throw new CliUsageError('auth-rules list takes no arguments');
        console.log(JSON.stringify((await credentials.service.listAuthRules()).map(toWireAuthRule), null, 2));
        return 0;
      }
      case 'update': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...FIELD_OPTIONS, enable: { type: 'boolean' }, disable: { type: 'boolean' }, reset: { type: 'string' } },
        });
        const [id, ...extra] = positionals;
        if (id === undefined || extra.length > 0) throw new CliUsageError('auth-rules update takes one rule id');
        if (values.enable && values.disable) throw new CliUsageError('auth-rules update: --enable or --disable, not both');
        const patch = toInput(values);
        for (const field of (values.reset ?? '').split(',').map((name) => name.trim().replace(/-/g, '_')).filter((name) => name !== '')) {
          if (!(RESETTABLE as readonly string[]).includes(field)) throw new CliUsageError(`--reset: "${field}" is not one of ${RESETTABLE.join(', ')}`);
          (patch as Record<string, unknown>)[field] = null;
        }
        if (values.enable) patch.enabled = true;
        if (values.disable) patch.enabled = false;
        if (Object.keys(patch).length === 0) throw new CliUsageError('auth-rules update: nothing to change');
        const rule = await credentials.service.updateAuthRule(id, patch, actor);
        if (rule === undefined) {
          console.error(`threadgate: no auth rule "${id}"`);
          return 1;
        }
        console.log(JSON.stringify(toWireAuthRule(rule), null, 2));
        return 0;
      }
      case 'delete': {
        const [id, ...extra] = rest;
        if (id === undefined || extra.length > 0) throw new CliUsageError('auth-rules delete takes one rule id');
        if (!(await credentials.service.deleteAuthRule(id, actor))) {
          console.error(`threadgate: no auth rule "${id}"`);
          return 1;
        }
        console.log(`Deleted ${id}: its tokens are refused from now on.`);
        return 0;
      }
    }
  } finally {
    await close();
  }
}
