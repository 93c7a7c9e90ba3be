/**
 * API keys and authentication keys as the admin API, the CLI and the audit show them: never a key,
 * a hash or a secret, sealed or not. (An auth rule holds no secret: auth/oidc/auth-rule.ts has its
 * wire form, `toWireAuthRule`.)
 */
import { parseScopes } from '../../auth/policy.js';
import type { ApiKeyRecord, AuthKeyRecord } from '../../auth/credential-records.js';
import type { ApiKeySummary, AuthKeySummary } from '../../platform/events/bus.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * @example
 * toWireApiKey(record) // { id: 'apikey_…', prefix: 'tg_sk_…', name, scopes, agents, created_at, last_used_at, revoked_at }
 */
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
export function apiKeySummary(record: ApiKeyRecord): ApiKeySummary {
  const { id, prefix, name, scopes, agents } = toWireApiKey(record);
  return { id, prefix, name, scopes, agents };
}

/**
 * An authentication key as the admin API and CLI show it: never its secret, sealed or not.
 *
 * @example
 * toWireAuthKey(record) // { id: 'ak_…', name: 'production', agents: 'all', user_fields: {}, created_at: '2030-…' }
 */
export function toWireAuthKey(record: AuthKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    agents: record.agents,
    user_fields: record.userFields ?? {},
    created_at: new Date(record.createdAt).toISOString(),
  };
}

/** What an audit may show of an authentication key: its wire form without the creation time. */
export function authKeySummary(record: AuthKeyRecord): AuthKeySummary {
  const { id, name, agents, user_fields } = toWireAuthKey(record);
  return { id, name, agents, user_fields };
}
