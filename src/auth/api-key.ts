/**
 * API keys (SPEC 2.2): a backend holds one and acts for the user and workspace it names in the
 * `Aui-User-Id` and `Aui-Workspace-Id` headers. A key is `tg_sk_` + 32 random bytes (base64url), so
 * the verifier recognises it by its prefix; it is shown once, and only its SHA-256 is stored (a fast
 * hash is right for 256 random bits). Keys carry scopes and an agent limit, and are revocable.
 */
import { ApiKeyInvalid, ValidationFailed } from '../errors.js';
import { equalDigests, hashSecret } from '../crypto/hash.js';
import { createId, createSecret } from '../crypto/random-id.js';
import type { ApiKeyRecord, CredentialLookups } from './credential-records.js';
import { ALL_SCOPES, formatScopes, isScope, type Principal, type Scope } from './principal.js';
import { agentLimits, parseScopes } from './policy.js';

/** Every API key starts with this. */
export const API_KEY_PREFIX = 'tg_sk_';

/** How many leading characters are kept as `prefix` to identify a key in lists (`tg_sk_` + 6). */
export const API_KEY_PREFIX_LENGTH = 12;

/** `tg_sk_` and exactly 32 bytes in base64url (43 characters). */
const API_KEY = /^tg_sk_[A-Za-z0-9_-]{43}$/;

/** Longest `Aui-User-Id` / `Aui-Workspace-Id` value. */
export const MAX_IDENTITY_HEADER_LENGTH = 255;

/** Printable ASCII, no leading or trailing space (RFC 9110 §5.5 field values, minus obs-text). */
const IDENTITY_HEADER = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Least time between two `lastUsedAt` writes for one key, ms (one minute): a write per request would be wasteful. */
const TOUCH_INTERVAL_MS = 60_000;

export interface NewApiKey {
  projectId: string;
  name: string;
  /** Default: every scope. */
  scopes?: readonly Scope[];
  /** Default: `'all'`. */
  agents?: 'all' | readonly string[];
}

/**
 * Tells whether a bearer credential is an API key by its prefix (the dispatch in `authenticate`).
 *
 * @example
 * looksLikeApiKey('tg_sk_abc...') // true
 */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/**
 * Creates an API key. Returns the stored record and the key itself, which exists nowhere else
 * afterwards: show it once. Throws `ValidationFailed` naming `name`, `scopes` or `agents`.
 *
 * @example
 * const { record, key } = await createApiKey(store, { projectId: 'default', name: 'backend' })
 * key // 'tg_sk_…' (43 more characters)
 */
export async function createApiKey(store: { insertApiKey(record: ApiKeyRecord): Promise<void> }, input: NewApiKey, clock: () => number = Date.now): Promise<{ record: ApiKeyRecord; key: string }> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 200) throw new ValidationFailed('name', 'must be 1 to 200 characters');
  const scopes = input.scopes ?? ALL_SCOPES;
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((scope) => typeof scope === 'string' && isScope(scope))) {
    throw new ValidationFailed('scopes', `must list one or more of: ${ALL_SCOPES.join(', ')}`);
  }
  const agents = input.agents ?? 'all';
  if (agents !== 'all') {
    const ok = Array.isArray(agents) && agents.length > 0 && agents.every((agent) => typeof agent === 'string' && agent.length > 0 && agent.length <= 255);
    if (!ok) throw new ValidationFailed('agents', 'must be "all" or a non-empty list of agent ids');
  }
  const now = clock();
  const key = `${API_KEY_PREFIX}${createSecret(32)}`;
  const record: ApiKeyRecord = {
    id: createId('apikey', now),
    projectId: input.projectId,
    name,
    prefix: key.slice(0, API_KEY_PREFIX_LENGTH),
    keyHash: hashSecret(key),
    scopes: formatScopes(new Set(scopes)),
    agents: agents === 'all' ? 'all' : [...new Set(agents)],
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.insertApiKey(record);
  return { record, key };
}

/**
 * Checks an `Aui-User-Id` / `Aui-Workspace-Id` value: present, at most 255 characters, printable
 * ASCII without control characters or surrounding spaces. Throws `ValidationFailed` naming the header.
 *
 * @example
 * validateIdentityHeader('Aui-User-Id', 'alice') // 'alice'
 * validateIdentityHeader('Aui-User-Id', undefined) // throws ValidationFailed('Aui-User-Id', ...)
 */
export function validateIdentityHeader(header: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new ValidationFailed(header, 'the header is required with an API key');
  if (value.length > MAX_IDENTITY_HEADER_LENGTH) throw new ValidationFailed(header, `must be at most ${MAX_IDENTITY_HEADER_LENGTH} characters`);
  if (!IDENTITY_HEADER.test(value)) throw new ValidationFailed(header, 'must be printable ASCII without control characters or surrounding spaces');
  return value;
}

/**
 * Verifies an API key and returns the principal it acts as: the user and workspace from the
 * headers, the key's project, scopes and agents, `source: 'api_key'`. Throws `ApiKeyInvalid` when
 * the key is malformed, unknown or revoked (the message never says which, nor echoes the key), and
 * `ValidationFailed` naming `Aui-User-Id` or `Aui-Workspace-Id`.
 *
 * Does not check that the user or workspace exist: the backend holding the key decides them.
 *
 * @example
 * const principal = await verifyApiKey(store, key, { userId: 'alice', workspaceId: 'ws-alice' })
 */
export async function verifyApiKey(
  store: Pick<CredentialLookups, 'findApiKeyByHash' | 'touchApiKey'>,
  key: string,
  identity: { userId: string | undefined; workspaceId: string | undefined },
  clock: () => number = Date.now,
): Promise<Principal> {
  if (typeof key !== 'string' || !API_KEY.test(key)) throw new ApiKeyInvalid({ detail: 'malformed key' });
  const keyHash = hashSecret(key);
  const record = await store.findApiKeyByHash(keyHash);
  // The lookup is by hash; comparing again in constant time costs little and guards a store that
  // matches loosely (collation, prefix index). Both sides are SHA-256 digests of known length.
  if (record === undefined || !equalDigests(record.keyHash, keyHash)) throw new ApiKeyInvalid({ detail: 'unknown key' });
  if (record.revokedAt !== null) throw new ApiKeyInvalid({ detail: `revoked key ${record.id}` });
  const userId = validateIdentityHeader('Aui-User-Id', identity.userId);
  const workspaceId = validateIdentityHeader('Aui-Workspace-Id', identity.workspaceId);
  const now = clock();
  if (record.lastUsedAt === null || now - record.lastUsedAt >= TOUCH_INTERVAL_MS) await store.touchApiKey(record.id, now);
  return {
    projectId: record.projectId,
    userId,
    workspaceId,
    source: 'api_key',
    credentialId: record.id,
    scopes: parseScopes(record.scopes),
    agents: agentLimits(record.agents),
    anonymous: false,
    user: {},
  };
}
