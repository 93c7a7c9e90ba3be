/**
 * The credentials-admin rules, for the admin API and the CLI alike: create, list, revoke or delete
 * API keys, authentication keys and auth rules of one project. Each change is written through the
 * repository, then published as a domain event (platform/events/bus.ts) with its actor: the audit
 * log hears it, and so does the revocation epoch (auth/revocation-epoch.ts), whose work is awaited
 * (`publishAndWait`) so that a change answers success only once every cached decision that it may
 * contradict is on its way out, in this process at once and in the others as documented in
 * docs/route-policy.md. Creations move the epoch too: a remembered "not found" could hide them.
 *
 * The checks of each input are the platform's (auth/api-key.ts, auth/auth-key.ts,
 * auth/oidc/auth-rule.ts), since they define what the verifier accepts.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { createApiKey, type NewApiKey } from '../../auth/api-key.js';
import { checkAuthKeyPatch, createAuthKey, type AuthKeyUpdate, type NewAuthKey } from '../../auth/auth-key.js';
import { createAuthRule, toWireAuthRule, updateAuthRule, type AuthRuleInput } from '../../auth/oidc/auth-rule.js';
import { providerUrlPolicyOf } from '../../auth/oidc/provider-url.js';
import type { ApiKeyRecord, AuthKeyRecord, AuthRuleRecord } from '../../auth/credential-records.js';
import type { Actor, EventBus } from '../../platform/events/bus.js';
import type { CredentialsRepository } from './credentials-repository.js';
import { apiKeySummary, authKeySummary } from './credentials-wire.js';

export interface CredentialsService {
  /** Creates an API key; the key itself is in the result only (show it once). */
  createApiKey(input: Omit<NewApiKey, 'projectId'>, actor: Actor): Promise<{ record: ApiKeyRecord; key: string }>;
  /** Newest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there is no such key; revoking a revoked key again succeeds (its first time stands). */
  revokeApiKey(id: string, actor: Actor): Promise<boolean>;
  /** Creates an authentication key; the secret is in the result only (show it once). */
  createAuthKey(input: Omit<NewAuthKey, 'projectId'>, actor: Actor): Promise<{ record: AuthKeyRecord; secret: string }>;
  /** Newest first, with the sealed secret only. */
  listAuthKeys(): Promise<AuthKeyRecord[]>;
  /**
   * Changes a key's name, agents or user fields (`userFields: null` clears them); its tokens get
   * the new agents and user fields from their next request on. Undefined when there is no such key.
   */
  updateAuthKey(id: string, patch: AuthKeyUpdate, actor: Actor): Promise<AuthKeyRecord | undefined>;
  /** False when there is no such key. */
  deleteAuthKey(id: string, actor: Actor): Promise<boolean>;
  createAuthRule(input: AuthRuleInput, actor: Actor): Promise<AuthRuleRecord>;
  /** Oldest first. */
  listAuthRules(): Promise<AuthRuleRecord[]>;
  getAuthRule(id: string): Promise<AuthRuleRecord | undefined>;
  /** Undefined when there is no such rule. */
  updateAuthRule(id: string, patch: AuthRuleInput, actor: Actor): Promise<AuthRuleRecord | undefined>;
  /** False when there is no such rule. */
  deleteAuthRule(id: string, actor: Actor): Promise<boolean>;
}

export interface CredentialsServiceDeps {
  repository: CredentialsRepository;
  events: Pick<EventBus, 'publishAndWait'>;
  config: Pick<ResolvedConfig, 'projectId' | 'allowHttpIdp' | 'mode'>;
  /**
   * The master key's secret box, which seals an authentication key's secret; a function, so that a
   * CLI command that creates none never needs the master key.
   */
  secretBox: () => SecretBox;
  clock: () => number;
  /** Told of each change (never a secret); the CLI passes none. */
  logger?: Pick<Logger, 'info'>;
}

/**
 * @example
 * const credentials = createCredentialsService({ repository, events, config, secretBox: () => box, clock: Date.now })
 * const { record, key } = await credentials.createApiKey({ name: 'backend' }, { kind: 'cli' })
 */
export function createCredentialsService(deps: CredentialsServiceDeps): CredentialsService {
  const { repository, events, clock, logger } = deps;
  const projectId = deps.config.projectId;
  const ruleContext = () => ({ projectId, policy: providerUrlPolicyOf(deps.config), clock });

  return {
    async createApiKey(input, actor) {
      const created = await createApiKey(repository, { ...input, projectId }, clock);
      logger?.info({ audit: 'api_key.create', id: created.record.id, prefix: created.record.prefix }, 'API key created');
      await events.publishAndWait('api_key.created', { apiKey: apiKeySummary(created.record) }, actor);
      return created;
    },

    listApiKeys: () => repository.listApiKeys(projectId),

    async revokeApiKey(id, actor) {
      if (!(await repository.revokeApiKey(projectId, id, clock()))) return false;
      logger?.info({ audit: 'api_key.revoke', id }, 'API key revoked');
      await events.publishAndWait('api_key.revoked', { id }, actor);
      return true;
    },

    async createAuthKey(input, actor) {
      const created = await createAuthKey(repository, deps.secretBox(), { ...input, projectId }, clock);
      logger?.info({ audit: 'auth_key.create', id: created.record.id }, 'authentication key created');
      await events.publishAndWait('auth_key.created', { authKey: authKeySummary(created.record) }, actor);
      return created;
    },

    listAuthKeys: () => repository.listAuthKeys(projectId),

    async updateAuthKey(id, patch, actor) {
      const changes = checkAuthKeyPatch(patch);
      // For the audit's before/after (read apart from the update: a concurrent change may fall between).
      const before = await repository.getAuthKey(projectId, id);
      const key = await repository.updateAuthKey(projectId, id, changes);
      if (key === undefined) return undefined;
      logger?.info({ audit: 'auth_key.update', id }, 'authentication key updated');
      const after = authKeySummary(key);
      // A revoking event (auth/revocation-epoch.ts): cached decisions made with the old agents go.
      await events.publishAndWait('auth_key.updated', { id, before: before !== undefined ? authKeySummary(before) : after, after }, actor);
      return key;
    },

    async deleteAuthKey(id, actor) {
      if (!(await repository.deleteAuthKey(projectId, id))) return false;
      logger?.info({ audit: 'auth_key.delete', id }, 'authentication key deleted');
      await events.publishAndWait('auth_key.deleted', { id }, actor);
      return true;
    },

    async createAuthRule(input, actor) {
      const rule = await createAuthRule(repository, input, ruleContext());
      logger?.info({ audit: 'auth_rule.create', id: rule.id, issuer: rule.issuer }, 'auth rule created');
      await events.publishAndWait('auth_rule.created', { rule: toWireAuthRule(rule) }, actor);
      return rule;
    },

    listAuthRules: () => repository.listAuthRules(projectId),

    getAuthRule: (id) => repository.getAuthRule(projectId, id),

    async updateAuthRule(id, patch, actor) {
      // For the audit's before/after (read apart from the update: a concurrent change may fall between).
      const before = await repository.getAuthRule(projectId, id);
      const rule = await updateAuthRule(repository, id, patch, ruleContext());
      if (rule === undefined) return undefined;
      logger?.info({ audit: 'auth_rule.update', id, enabled: rule.enabled }, 'auth rule updated');
      const after = toWireAuthRule(rule);
      await events.publishAndWait('auth_rule.updated', { id, before: before !== undefined ? toWireAuthRule(before) : after, after }, actor);
      return rule;
    },

    async deleteAuthRule(id, actor) {
      const before = await repository.getAuthRule(projectId, id);
      if (!(await repository.deleteAuthRule(projectId, id))) return false;
      logger?.info({ audit: 'auth_rule.delete', id }, 'auth rule deleted');
      await events.publishAndWait('auth_rule.deleted', { id, ...(before !== undefined ? { before: toWireAuthRule(before) } : {}) }, actor);
      return true;
    },
  };
}
