/**
 * Authentication keys (SPEC 2.3, Algolia Agent Studio's model): an app's backend holds one and
 * signs HS256 user tokens with it; the token's `kid` header is the key's id. The admin creates
 * keys (the secret is shown once), may keep several live at once for rotation, changes a key's
 * name, agents and user fields (never its secret), and deletes them.
 *
 * - id: `ak_` + a time-ordered id (random-id.ts), public: it goes in every token header;
 * - secret: `sk-tg-` + 32 random bytes in base64url. The HMAC key is the UTF-8 bytes of that text
 *   exactly as shown, so `jwt.sign(payload, secret)` works in any language;
 * - at rest: the secret sealed with the master key (crypto/secret-box.ts, purpose `auth-key`).
 *   It cannot be hashed like an API key: verifying an HMAC needs the secret itself.
 */
import { ValidationFailed } from '../errors.js';
import { checkUserFieldMapping } from './map-user.js';
import { createId, createSecret } from '../crypto/random-id.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { AuthKeyPatch, AuthKeyRecord, CredentialLookups } from './credential-records.js';

/** Every authentication key id starts with this (the `kid` of its tokens). */
export const AUTH_KEY_ID_PREFIX = 'ak_';

/** Every authentication key secret starts with this (Algolia's keys start with `sk-alg-`). */
export const AUTH_KEY_SECRET_PREFIX = 'sk-tg-';

/** The secret-box purpose of sealed authentication key secrets. */
export const AUTH_KEY_PURPOSE = 'auth-key';

/** The exact shape of our ids: `ak_` and 26 Crockford base32 characters (`createId('ak')`). */
const AUTH_KEY_ID = /^ak_[0-9a-z]{26}$/;

/** Longest agent id in a key's agent list. */
const MAX_AGENT_ID_LENGTH = 128;
/** Most agents in one key's list. */
const MAX_AGENTS = 1000;

export interface NewAuthKey {
  projectId: string;
  name: string;
  /** `'all'` (the default), or the agent ids this key's tokens may use. */
  agents?: 'all' | readonly string[];
  /** mapUser: user field → claim of the key's tokens, e.g. `{ name: 'name' }` (map-user.ts). */
  userFields?: unknown;
}

/**
 * Tells whether a JWS `kid` names an authentication key, by its prefix (the dispatch in
 * `authenticate`). Says nothing about whether the key exists.
 *
 * @example
 * looksLikeAuthKeyId('ak_01j9...') // true
 * looksLikeAuthKeyId('key_01j9...') // false (a workspace-token signing key)
 */
export function looksLikeAuthKeyId(kid: unknown): kid is string {
  return typeof kid === 'string' && kid.startsWith(AUTH_KEY_ID_PREFIX);
}

/**
 * Tells whether `kid` has the exact shape of an id we issue, so a made-up `kid` is refused without
 * a store query.
 *
 * @example
 * isAuthKeyId('ak_0j7x0kz4m1a2b3c4d5e6f7g8h9') // true
 */
export function isAuthKeyId(kid: unknown): kid is string {
  return typeof kid === 'string' && AUTH_KEY_ID.test(kid);
}

/** A change to a key as given (unchecked): its name, its agents, its user fields (`null` clears them). Never its secret. */
export interface AuthKeyUpdate {
  name?: string;
  agents?: 'all' | readonly string[];
  userFields?: unknown;
}

/** A key's name, trimmed: 1 to 200 characters. */
function checkName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || name.length > 200) throw new ValidationFailed('name', 'must be 1 to 200 characters');
  return name;
}

/** `'all'`, or 1 to MAX_AGENTS agent ids, each once. */
function checkAgents(agents: unknown): 'all' | string[] {
  if (agents === 'all') return 'all';
  const ok =
    Array.isArray(agents) &&
    agents.length > 0 &&
    agents.length <= MAX_AGENTS &&
    agents.every((agent) => typeof agent === 'string' && agent.length > 0 && agent.length <= MAX_AGENT_ID_LENGTH);
  if (!ok) throw new ValidationFailed('agents', `must be "all" or a list of 1 to ${MAX_AGENTS} agent ids`);
  return [...new Set(agents as string[])];
}

/**
 * Checks a change to a key with the rules of `createAuthKey` and returns the checked fields, only
 * those present; `userFields: null` (or `{}`) clears the mapping. Throws
 * `ValidationFailed` naming `name`, `agents` or `user_fields`. Does not look the key up.
 *
 * @example
 * checkAuthKeyPatch({ agents: ['support'], userFields: null }) // { agents: ['support'], userFields: null }
 */
export function checkAuthKeyPatch(patch: AuthKeyUpdate): AuthKeyPatch {
  return {
    ...(patch.name !== undefined ? { name: checkName(patch.name) } : {}),
    ...(patch.agents !== undefined ? { agents: checkAgents(patch.agents) } : {}),
    ...(patch.userFields !== undefined ? { userFields: checkUserFieldMapping(patch.userFields) } : {}),
  };
}

/**
 * Creates an authentication key and stores its secret sealed. Returns the record and the secret,
 * which is never readable through the API again: show it once. Throws `ValidationFailed` naming
 * `name`, `agents` or `user_fields`.
 *
 * @example
 * const { record, secret } = await createAuthKey(store, secretBox, { projectId: 'default', name: 'production' })
 * record.id // 'ak_0j…'  → the `kid` header of every token
 * secret    // 'sk-tg-…' → the HS256 secret, as is
 */
export async function createAuthKey(
  store: { insertAuthKey(record: AuthKeyRecord): Promise<void> },
  secretBox: SecretBox,
  input: NewAuthKey,
  clock: () => number = Date.now,
): Promise<{ record: AuthKeyRecord; secret: string }> {
  const name = checkName(input.name);
  // Only an absent list means all agents: an explicit null is bad input, not a wildcard.
  const agents = checkAgents(input.agents === undefined ? 'all' : input.agents);
  const userFields = checkUserFieldMapping(input.userFields);
  const now = clock();
  const secret = `${AUTH_KEY_SECRET_PREFIX}${createSecret(32)}`;
  const record: AuthKeyRecord = {
    id: createId('ak', now),
    projectId: input.projectId,
    name,
    agents,
    secretEncrypted: secretBox.seal(secret, AUTH_KEY_PURPOSE),
    createdAt: now,
    ...(userFields !== null ? { userFields } : {}),
  };
  await store.insertAuthKey(record);
  return { record, secret };
}

/**
 * Loads a key by the `kid` of a token and opens its secret. Returns `undefined` when `kid` is not
 * one of our ids or names no stored key. Throws (a server error, not a credential problem) when
 * the sealed secret cannot be opened, e.g. under another master key.
 *
 * Read from the store on every call: a deleted key is gone for the very next request, in every
 * process. (The authenticator reads through cached lookups and a verified-credential cache, both
 * emptied by every deletion.)
 *
 * @example
 * const loaded = await loadAuthKey(store, secretBox, header.kid)
 * loaded?.secret // the UTF-8 bytes of 'sk-tg-…'
 */
export async function loadAuthKey(
  store: Pick<CredentialLookups, 'getAuthKey'>,
  secretBox: SecretBox,
  kid: unknown,
): Promise<{ record: AuthKeyRecord; secret: Uint8Array } | undefined> {
  if (!isAuthKeyId(kid)) return undefined;
  const record = await store.getAuthKey(undefined, kid);
  if (record === undefined) return undefined;
  let secret = openedSecrets.get(record);
  if (secret === undefined) {
    secret = new TextEncoder().encode(secretBox.open(record.secretEncrypted, AUTH_KEY_PURPOSE));
    openedSecrets.set(record, secret);
  }
  return { record, secret };
}

/**
 * Opened secrets by the record object they came from. A store read gives a new record each time,
 * so this only saves work when the same record comes back: from the authenticator's cached
 * lookups (cached-lookups.ts), which drop it on any revocation. The secret lives as long as that
 * record and no longer (a WeakMap); it is as sensitive as the master key already in memory.
 */
const openedSecrets = new WeakMap<AuthKeyRecord, Uint8Array>();
