/**
 * Creating and changing auth rules (SPEC 2.4): the admin API and the CLI both come here, so a rule
 * is validated the same way whichever way it is made. Input is the wire shape (snake_case, as in
 * `POST /admin/v1/auth-rules`); a preset (`provider`) fills every field the input leaves out, and
 * everything else falls back to: RS256, access tokens, `sub` as user and workspace, every scope.
 *
 * Nothing here contacts the provider: a rule can be created while the provider is down, and is
 * answered `provider_unavailable` until it is reachable. To check a rule end to end, inspect a
 * token (`POST /admin/v1/tokens/inspect`).
 */
import { checkUserFieldMapping } from '../map-user.js';
import { ValidationFailed } from '../../errors.js';
import { createId } from '../../crypto/random-id.js';
import type { Json } from '../../store/store.js';
import type { AuthRulePatch, AuthRuleRecord, AuthRuleTokenType } from '../credential-records.js';
import { isPresetId, PRESET_IDS, PRESETS, presetIssuerProblem, type AuthRulePreset } from './presets.js';
import { providerUrlProblem, type ProviderUrlPolicy } from './provider-url.js';
import { parseWorkspaceTemplate } from './workspace-template.js';

/** Algorithms a rule may list. HMAC (HS*) and `none` never: a provider's key is public. */
export const AUTH_RULE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const AUTH_RULE_TOKEN_TYPES = ['access', 'id', 'any'] as const;

const MAX_REQUIRED_CLAIMS = 32;
const PRINTABLE = /^[\x21-\x7e]+$/;

/** A rule as the admin API takes it. `null` in an update resets a field to its default. */
export interface AuthRuleInput {
  name?: string;
  provider?: string | null;
  issuer?: string;
  audience?: string;
  jwks_uri?: string | null;
  discovery_url?: string | null;
  algorithms?: readonly string[] | null;
  token_type?: string | null;
  user_id_claim?: string | null;
  workspace_template?: string | null;
  required_claims?: Record<string, unknown> | null;
  scopes_claim?: string | null;
  /** mapUser: user field name → claim name (auth/map-user.ts). */
  user_fields?: Record<string, unknown> | null;
  enabled?: boolean;
  /** A service rule (docs/credentials/auth-rules.md#service-rules). Default false. */
  service?: boolean;
}

export interface AuthRuleContext {
  projectId: string;
  policy: ProviderUrlPolicy;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
}

type RuleFields = Omit<AuthRuleRecord, 'id' | 'projectId' | 'createdAt' | 'updatedAt'>;

function text(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !PRINTABLE.test(value)) {
    throw new ValidationFailed(field, `must be 1 to ${max} printable ASCII characters without spaces`);
  }
  return value;
}

function claimName(field: string, value: unknown): string {
  const name = text(field, value, 256);
  if (['exp', 'nbf', 'iat'].includes(name)) throw new ValidationFailed(field, 'must not be a time claim (exp, nbf, iat)');
  return name;
}

function requiredClaims(value: unknown): Record<string, Json> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationFailed('required_claims', 'must be an object: claim name → required value');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_REQUIRED_CLAIMS) throw new ValidationFailed('required_claims', `must have at most ${MAX_REQUIRED_CLAIMS} claims`);
  const isScalar = (item: unknown) => typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item));
  const out: Record<string, Json> = {};
  for (const [name, expected] of entries) {
    claimName(`required_claims.${name}`, name);
    const ok = isScalar(expected) || (Array.isArray(expected) && expected.length > 0 && expected.length <= 100 && expected.every(isScalar));
    if (!ok) throw new ValidationFailed(`required_claims.${name}`, 'must be a string, number or boolean, or a list of 1 to 100 of them (any one accepted)');
    out[name] = expected as Json;
  }
  return out;
}

function algorithms(value: readonly string[] | null | undefined, fallback: readonly string[]): string[] {
  if (value === undefined || value === null) return [...fallback];
  if (!Array.isArray(value) || value.length === 0 || value.length > AUTH_RULE_ALGORITHMS.length) {
    throw new ValidationFailed('algorithms', `must list 1 or more of ${AUTH_RULE_ALGORITHMS.join(', ')}`);
  }
  for (const alg of value) {
    if (typeof alg === 'string' && /^HS\d+$/i.test(alg)) {
      throw new ValidationFailed('algorithms', `${alg} is never accepted from an identity provider (its key is public: anyone could sign). For HS256 tokens signed by your backend, use an authentication key`);
    }
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') throw new ValidationFailed('algorithms', '"none" is never accepted');
    if (!(AUTH_RULE_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ValidationFailed('algorithms', `"${String(alg).slice(0, 32)}" is not one of ${AUTH_RULE_ALGORITHMS.join(', ')}`);
    }
  }
  return [...new Set(value)];
}

/** The key source a rule gets when it names none: the preset's, else OIDC discovery from the issuer. */
function defaultKeys(preset: AuthRulePreset | undefined, issuer: string): { jwksUri: string | null; discoveryUrl: string | null } {
  if (preset !== undefined) {
    const keys = preset.keys(issuer);
    return 'jwksUri' in keys ? { jwksUri: keys.jwksUri, discoveryUrl: null } : { jwksUri: null, discoveryUrl: keys.discoveryUrl };
  }
  // OIDC Discovery §4: the issuer, without a trailing slash, + /.well-known/openid-configuration.
  return { jwksUri: null, discoveryUrl: `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration` };
}

/**
 * Validates a complete input and fills every default. Throws `ValidationFailed` naming the field.
 * `jwks_uri`/`discovery_url` left out (undefined or null) mean "the default for this issuer".
 */
function resolveFields(input: AuthRuleInput, policy: ProviderUrlPolicy): RuleFields {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 200) throw new ValidationFailed('name', 'must be 1 to 200 characters');
  let preset: AuthRulePreset | undefined;
  if (input.provider !== undefined && input.provider !== null) {
    if (!isPresetId(input.provider)) throw new ValidationFailed('provider', `must be one of ${PRESET_IDS.join(', ')} (or left out for any OIDC provider)`);
    preset = PRESETS[input.provider];
  }
  const issuer = text('issuer', input.issuer, 1024);
  const audience = text('audience', input.audience, 1024);
  if (preset !== undefined) {
    const problem = presetIssuerProblem(preset, issuer);
    if (problem !== undefined) throw new ValidationFailed('issuer', problem);
    const extra = preset.check?.({ issuer, audience });
    if (extra !== undefined) throw new ValidationFailed(extra[0], extra[1]);
  }

  const jwksGiven = input.jwks_uri !== undefined && input.jwks_uri !== null;
  const discoveryGiven = input.discovery_url !== undefined && input.discovery_url !== null;
  if (jwksGiven && discoveryGiven) throw new ValidationFailed('jwks_uri', 'give jwks_uri or discovery_url, not both');
  let keys: { jwksUri: string | null; discoveryUrl: string | null };
  if (jwksGiven || discoveryGiven) {
    const field = jwksGiven ? 'jwks_uri' : 'discovery_url';
    const url = jwksGiven ? input.jwks_uri : input.discovery_url;
    if (typeof url !== 'string') throw new ValidationFailed(field, 'must be a URL');
    const problem = providerUrlProblem(url, policy);
    if (problem !== undefined) throw new ValidationFailed(field, problem);
    keys = jwksGiven ? { jwksUri: url, discoveryUrl: null } : { jwksUri: null, discoveryUrl: url };
  } else {
    keys = defaultKeys(preset, issuer);
    const url = (keys.jwksUri ?? keys.discoveryUrl)!;
    const problem = providerUrlProblem(url, policy);
    if (problem !== undefined) {
      throw new ValidationFailed('issuer', `the provider's keys would be read from ${url.slice(0, 200)}, which ${problem}; or give jwks_uri or discovery_url`);
    }
  }

  const defaults = preset?.defaults ?? PRESET_FREE_DEFAULTS;
  const tokenType = input.token_type ?? defaults.tokenType;
  if (!(AUTH_RULE_TOKEN_TYPES as readonly string[]).includes(tokenType)) throw new ValidationFailed('token_type', 'must be "access", "id" or "any"');
  const workspaceTemplate = input.workspace_template === undefined ? defaults.workspaceTemplate : input.workspace_template;
  if (workspaceTemplate !== null) {
    try {
      parseWorkspaceTemplate(workspaceTemplate);
    } catch (error) {
      throw new ValidationFailed('workspace_template', (error as Error).message);
    }
  }
  const scopesClaim = input.scopes_claim === undefined ? defaults.scopesClaim : input.scopes_claim;
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') throw new ValidationFailed('enabled', 'must be true or false');
  if (input.service !== undefined && typeof input.service !== 'boolean') throw new ValidationFailed('service', 'must be true or false');
  const required = requiredClaims(input.required_claims);
  // A service rule's tokens may act for any user: it must name the client they come from, so that
  // the provider's user tokens (same issuer, maybe the same audience) can never pass it.
  if (input.service === true && Object.keys(required).length === 0) {
    throw new ValidationFailed('required_claims', 'a service rule must require the claim that names your backend\'s client (e.g. {"azp": "<client id>"})');
  }
  return {
    name,
    provider: preset?.id ?? null,
    issuer,
    audience,
    ...keys,
    algorithms: algorithms(input.algorithms, defaults.algorithms),
    tokenType: tokenType as AuthRuleTokenType,
    userIdClaim: claimName('user_id_claim', input.user_id_claim ?? defaults.userIdClaim),
    workspaceTemplate,
    requiredClaims: required,
    scopesClaim: scopesClaim === null ? null : claimName('scopes_claim', scopesClaim),
    userFields: checkUserFieldMapping(input.user_fields),
    enabled: input.enabled ?? true,
    service: input.service ?? false,
  };
}

/** Defaults of a rule without a preset. */
const PRESET_FREE_DEFAULTS = { algorithms: ['RS256'], tokenType: 'access', userIdClaim: 'sub', workspaceTemplate: null, scopesClaim: null } as const;

/**
 * Validates the input, fills the defaults (preset, then global) and stores a new rule. Throws
 * `ValidationFailed` naming the field.
 *
 * @example
 * const rule = await createAuthRule(store, {
 *   name: 'Clerk', provider: 'clerk', issuer: 'https://your-app.clerk.accounts.dev', audience: 'assistant-ui',
 * }, { projectId: 'default', policy: { allowHttp: false } })
 * rule.jwksUri // 'https://your-app.clerk.accounts.dev/.well-known/jwks.json'
 */
export async function createAuthRule(store: { insertAuthRule(record: AuthRuleRecord): Promise<void> }, input: AuthRuleInput, context: AuthRuleContext): Promise<AuthRuleRecord> {
  const now = (context.clock ?? Date.now)();
  const record: AuthRuleRecord = { id: createId('ar', now), projectId: context.projectId, ...resolveFields(input, context.policy), createdAt: now, updatedAt: now };
  await store.insertAuthRule(record);
  return record;
}

/** The stored rule as an input, with its key source left out when it is the default for its issuer. */
function asInput(rule: AuthRuleRecord): AuthRuleInput {
  const defaults = defaultKeys(rule.provider !== null && isPresetId(rule.provider) ? PRESETS[rule.provider] : undefined, rule.issuer);
  const isDefault = defaults.jwksUri === rule.jwksUri && defaults.discoveryUrl === rule.discoveryUrl;
  return {
    name: rule.name,
    provider: rule.provider,
    issuer: rule.issuer,
    audience: rule.audience,
    ...(isDefault ? {} : { jwks_uri: rule.jwksUri, discovery_url: rule.discoveryUrl }),
    algorithms: rule.algorithms,
    token_type: rule.tokenType,
    user_id_claim: rule.userIdClaim,
    workspace_template: rule.workspaceTemplate,
    required_claims: rule.requiredClaims,
    scopes_claim: rule.scopesClaim,
    user_fields: rule.userFields,
    enabled: rule.enabled,
    service: rule.service,
  };
}

/**
 * Changes a rule: fields left out keep their value, `null` resets one to its default. A rule whose
 * keys come from its issuer's default location follows a new issuer there; a `jwks_uri` replaces a
 * `discovery_url` and the reverse. Disabling (`enabled: false`) or any change takes effect on the
 * next request, in every process, and ends the workspace tokens exchanged under the old rule
 * only when the rule is disabled or deleted. Returns undefined when the project has no such rule.
 *
 * @example
 * await updateAuthRule(store, 'default', 'ar_…', { enabled: false }, { projectId: 'default', policy })
 */
export async function updateAuthRule(
  store: {
    getAuthRule(projectId: string, id: string): Promise<AuthRuleRecord | undefined>;
    updateAuthRule(projectId: string, id: string, patch: AuthRulePatch): Promise<AuthRuleRecord | undefined>;
  },
  id: string, patch: AuthRuleInput, context: AuthRuleContext): Promise<AuthRuleRecord | undefined> {
  const existing = await store.getAuthRule(context.projectId, id);
  if (existing === undefined) return undefined;
  const merged: AuthRuleInput = { ...asInput(existing) };
  for (const [key, value] of Object.entries(patch) as [keyof AuthRuleInput, unknown][]) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if ((patch.jwks_uri ?? null) !== null && patch.discovery_url === undefined) merged.discovery_url = null;
  if ((patch.discovery_url ?? null) !== null && patch.jwks_uri === undefined) merged.jwks_uri = null;
  // null resets to the default: for these, resolveFields treats undefined as "default".
  for (const key of ['workspace_template', 'scopes_claim'] as const) {
    if (patch[key] === null) merged[key] = undefined;
  }
  if (patch.provider !== undefined && patch.provider !== existing.provider) {
    // A new preset's defaults apply to every field the patch does not set.
    for (const key of ['algorithms', 'token_type', 'user_id_claim', 'workspace_template', 'scopes_claim'] as const) {
      if (patch[key] === undefined) delete merged[key];
    }
  }
  const fields = resolveFields(merged, context.policy);
  return store.updateAuthRule(context.projectId, id, fields);
}

/**
 * A rule as the admin API and CLI show it (nothing in a rule is secret).
 *
 * @example
 * toWireAuthRule(rule) // { id: 'ar_…', name: 'Clerk', provider: 'clerk', issuer: '…', … }
 */
export function toWireAuthRule(rule: AuthRuleRecord) {
  return {
    id: rule.id,
    name: rule.name,
    provider: rule.provider,
    issuer: rule.issuer,
    audience: rule.audience,
    jwks_uri: rule.jwksUri,
    discovery_url: rule.discoveryUrl,
    algorithms: rule.algorithms,
    token_type: rule.tokenType,
    user_id_claim: rule.userIdClaim,
    workspace_template: rule.workspaceTemplate,
    required_claims: rule.requiredClaims,
    scopes_claim: rule.scopesClaim,
    user_fields: rule.userFields ?? {},
    enabled: rule.enabled,
    service: rule.service,
    created_at: new Date(rule.createdAt).toISOString(),
    updated_at: new Date(rule.updatedAt).toISOString(),
  };
}
