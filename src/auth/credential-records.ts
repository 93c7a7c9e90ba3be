/**
 * The credentials the platform verifies but does not own: API keys, authentication keys and auth
 * rules. Their tables belong to the credentials-admin module (src/modules/credentials-admin), which
 * creates, lists and revokes them; authentication only reads them, through `CredentialLookups`, a
 * port the module's repository implements and src/server.ts hands in (dependencies point down:
 * the platform never imports a module).
 *
 * Times are milliseconds since the epoch.
 */
import type { Json, Store } from '../store/store.js';

export interface ApiKeyRecord {
  id: string;
  projectId: string;
  name: string;
  /** The first characters of the key, shown to identify it. */
  prefix: string;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  keyHash: string;
  /** Space-separated scopes. */
  scopes: string;
  agents: 'all' | string[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** An authentication key (SPEC 2.3): its secret verifies HS256 user tokens whose `kid` is `id`. */
export interface AuthKeyRecord {
  /** `ak_` + a time-ordered id; the `kid` of the tokens it signs. */
  id: string;
  projectId: string;
  name: string;
  agents: 'all' | string[];
  /** The secret, sealed with the master key (crypto/secret-box.ts, purpose `auth-key`). */
  secretEncrypted: string;
  createdAt: number;
  /** mapUser: user field → claim of the key's tokens (auth/map-user.ts); null or absent: none. */
  userFields?: Record<string, string> | null;
}

/** Which tokens an auth rule accepts (RFC 9068 access tokens, OIDC ID tokens, or both). */
export type AuthRuleTokenType = 'access' | 'id' | 'any';

/**
 * An auth rule (SPEC 2.4): tokens whose `iss` is exactly `issuer` are verified with the provider's
 * keys (from `jwksUri`, or from OIDC discovery at `discoveryUrl`) and mapped to a principal.
 */
export interface AuthRuleRecord {
  /** `ar_` + a time-ordered id; the principal's `credentialId`. */
  id: string;
  projectId: string;
  name: string;
  /** The preset it was made from (`clerk`, `auth0`, ...), or null. */
  provider: string | null;
  issuer: string;
  audience: string;
  /** Exactly one of `jwksUri` and `discoveryUrl` is set. */
  jwksUri: string | null;
  discoveryUrl: string | null;
  algorithms: string[];
  tokenType: AuthRuleTokenType;
  userIdClaim: string;
  /** E.g. `{org_id}_{sub}`; null: the workspace is the user id. */
  workspaceTemplate: string | null;
  /** Claim name → required value (a value, or a list of accepted values). */
  requiredClaims: Record<string, Json>;
  /** The claim whose scopes narrow the principal's (`scope`, `scp`); null: every scope. */
  scopesClaim: string | null;
  /** mapUser: user field name → claim name (auth/map-user.ts); null or absent: no user fields. */
  userFields?: Record<string, string> | null;
  enabled: boolean;
  /**
   * A service rule: its tokens are a backend's own (client credentials) and act for the user named
   * in `Aui-User-Id` / `Aui-Workspace-Id`, never as a user themselves.
   */
  service: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The fields of an authentication key that may change (checked: auth/auth-key.ts `checkAuthKeyPatch`); never its secret. */
export type AuthKeyPatch = Partial<Pick<AuthKeyRecord, 'name' | 'agents' | 'userFields'>>;

/** The fields of an auth rule that can change (`updatedAt` is set by the repository). */
export type AuthRulePatch = Partial<Omit<AuthRuleRecord, 'id' | 'projectId' | 'createdAt' | 'updatedAt'>>;

/**
 * The reads a credential check makes (and the one write, `touchApiKey`), as the authenticator and
 * revocation need them. Implemented by the credentials-admin module's repository; the server wraps
 * it in the cache of cached-lookups.ts.
 *
 * @example
 * const record = await lookups.findApiKeyByHash(hashSecret(key))
 */
export interface CredentialLookups {
  /** The API key with this SHA-256 (hex), in any project: the hash is unique everywhere. */
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(projectId: string, id: string): Promise<ApiKeyRecord | undefined>;
  /** Records a use of the key at `at` (never moving `lastUsedAt` backwards). */
  touchApiKey(id: string, at: number): Promise<void>;
  /**
   * The key with this id, within `projectId` when given. The verifier passes `undefined`: a token's
   * `kid` names the key, and the key names the project.
   */
  getAuthKey(projectId: string | undefined, id: string): Promise<AuthKeyRecord | undefined>;
  /** The rule with this id, within `projectId` when given. */
  getAuthRule(projectId: string | undefined, id: string): Promise<AuthRuleRecord | undefined>;
  /**
   * The *enabled* rules whose issuer is exactly `issuer` (case-sensitive), within `projectId` when
   * given, oldest first. The verifier passes `undefined`: the rule names the project.
   */
  findAuthRulesByIssuer(projectId: string | undefined, issuer: string): Promise<AuthRuleRecord[]>;
}

/** Every read authentication makes: the credentials (the port above) and the store's users and sessions. */
export type AuthLookups = CredentialLookups & Pick<Store, 'getUser' | 'getRefreshFamily'>;

/**
 * Joins the credentials port and the store's user and session reads into what the authenticator
 * reads (then cached: cached-lookups.ts).
 *
 * @example
 * const lookups = withCachedLookups(authLookupsOf(credentials.repository, store), { maxEntries, epoch })
 */
export function authLookupsOf(credentials: CredentialLookups, store: Pick<Store, 'getUser' | 'getRefreshFamily'>): AuthLookups {
  return Object.freeze({
    findApiKeyByHash: credentials.findApiKeyByHash.bind(credentials),
    getApiKey: credentials.getApiKey.bind(credentials),
    touchApiKey: credentials.touchApiKey.bind(credentials),
    getAuthKey: credentials.getAuthKey.bind(credentials),
    getAuthRule: credentials.getAuthRule.bind(credentials),
    findAuthRulesByIssuer: credentials.findAuthRulesByIssuer.bind(credentials),
    getUser: store.getUser.bind(store),
    getRefreshFamily: store.getRefreshFamily.bind(store),
  });
}
