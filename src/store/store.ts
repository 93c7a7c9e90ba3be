/**
 * The one storage interface. SQLite (`sqlite/sqlite-store.ts`) and PostgreSQL
 * (`postgres/postgres-store.ts`) implement it over one Kysely query layer, as kysely keeps one
 * `Dialect` interface with a folder per database. `test/store/store-cases.ts` runs the same
 * suite against both.
 *
 * Every method takes the project id and, for workspace data, the workspace id: a query can never
 * reach another project's or workspace's rows, whatever id it is given. Authorization above this
 * layer decides who may call; this layer makes cross-workspace reads impossible to write.
 *
 * Times are milliseconds since the epoch. JSON fields are plain values (the store serializes them).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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

/** The fields of an auth rule that can change (`updatedAt` is set by the store). */
export type AuthRulePatch = Partial<Omit<AuthRuleRecord, 'id' | 'projectId' | 'createdAt' | 'updatedAt'>>;

export interface SigningKeyRecord {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  /** Public JWK, JSON. */
  publicJwk: string;
  /** Private JWK, JSON, encrypted with the master key (see crypto/secret-box.ts). */
  privateJwkEncrypted: string;
  createdAt: number;
  /** When it stopped signing; null for the active key. */
  retiredAt: number | null;
  /** Published in the JWKS until then (every token it signed has expired by then). */
  publishUntil: number | null;
}

export interface RefreshFamily {
  id: string;
  projectId: string;
  userId: string;
  workspaceId: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  projectId: string;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  /** The token that replaced this one, encrypted, kept only for the reuse interval. */
  successorEncrypted: string | null;
}

export interface UserRecord {
  projectId: string;
  id: string;
  anonymous: boolean;
  createdAt: number;
  /**
   * Tokens issued before this instant (ms) are refused (`threadgate users revoke`). Every revocation
   * raises it strictly (to one ms past the stored value when its own instant is not later), so it
   * is also the user's revocation generation (auth/revocation.ts).
   */
  tokensValidAfter: number | null;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Runs every pending migration. Idempotent; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // API keys.
  insertApiKey(record: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(projectId: string, id: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(projectId: string): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` if not yet revoked. False when there is no such key. */
  revokeApiKey(projectId: string, id: string, at: number): Promise<boolean>;
  touchApiKey(id: string, at: number): Promise<void>;

  // Authentication keys (HS256 user tokens).
  insertAuthKey(record: AuthKeyRecord): Promise<void>;
  /**
   * The key with this id, within `projectId` when given. The verifier passes `undefined`: a token's
   * `kid` names the key, and the key names the project.
   */
  getAuthKey(projectId: string | undefined, id: string): Promise<AuthKeyRecord | undefined>;
  /** Newest first. */
  listAuthKeys(projectId: string): Promise<AuthKeyRecord[]>;
  /** Deletes the key and its sealed secret. False when there is no such key in the project. */
  deleteAuthKey(projectId: string, id: string): Promise<boolean>;

  // Auth rules (identity-provider tokens).
  insertAuthRule(record: AuthRuleRecord): Promise<void>;
  /** The rule with this id, within `projectId` when given. */
  getAuthRule(projectId: string | undefined, id: string): Promise<AuthRuleRecord | undefined>;
  /** Oldest first (the order rules with the same issuer are tried in). */
  listAuthRules(projectId: string): Promise<AuthRuleRecord[]>;
  /** Applies the patch and sets `updatedAt` to the store's clock. Undefined when there is no such rule. */
  updateAuthRule(projectId: string, id: string, patch: AuthRulePatch): Promise<AuthRuleRecord | undefined>;
  /** False when there is no such rule in the project. */
  deleteAuthRule(projectId: string, id: string): Promise<boolean>;
  /**
   * The *enabled* rules whose issuer is exactly `issuer` (case-sensitive), within `projectId` when
   * given, oldest first. The verifier passes `undefined`: the rule names the project.
   */
  findAuthRulesByIssuer(projectId: string | undefined, issuer: string): Promise<AuthRuleRecord[]>;

  // Workspace-token signing keys (server-wide).
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  insertSigningKey(record: SigningKeyRecord): Promise<void>;
  /** Retires every active key except `exceptKid`, publishing each until `publishUntil`. */
  retireSigningKeys(exceptKid: string, retiredAt: number, publishUntil: number): Promise<void>;
  /** Deletes keys whose `publishUntil` has passed. */
  pruneSigningKeys(now: number): Promise<number>;

  // Anonymous sessions and refresh tokens.
  upsertUser(record: UserRecord): Promise<void>;
  getUser(projectId: string, userId: string): Promise<UserRecord | undefined>;
  /**
   * Refuses every token of the user issued before `at` (ms): raises `tokensValidAfter` strictly (see
   * UserRecord) and revokes the user's refresh families, in one transaction. Creates the user row if needed.
   */
  revokeUserTokens(projectId: string, userId: string, at: number): Promise<void>;
  insertRefreshFamily(record: RefreshFamily): Promise<void>;
  getRefreshFamily(projectId: string, familyId: string): Promise<RefreshFamily | undefined>;
  revokeRefreshFamily(projectId: string, familyId: string, at: number): Promise<void>;
  insertRefreshToken(record: RefreshTokenRecord): Promise<void>;
  findRefreshTokenByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks the token consumed and records its (encrypted) successor, only if it was not consumed
   * yet. Returns false when another request consumed it first (oidc-provider's `consume`).
   */
  consumeRefreshToken(id: string, at: number, successorEncrypted: string | null): Promise<boolean>;

  // Server settings (generated admin key hash, ...).
  getSetting(key: string): Promise<string | undefined>;
  /** Stores the value unless the key exists; returns the value that is stored afterwards. */
  putSettingIfAbsent(key: string, value: string): Promise<string>;
  /** Stores the value, replacing any earlier one. */
  putSetting(key: string, value: string): Promise<void>;
}
