/**
 * The one storage interface. SQLite (`sqlite/sqlite-store.ts`) and PostgreSQL
 * (`postgres/postgres-store.ts`) implement it over one Kysely query layer, as kysely keeps one
 * `Dialect` interface with a folder per database. `test/store/store-cases.ts` runs the same
 * suite against both.
 *
 * What is left in it is the platform's own: signing keys, users and anonymous sessions, settings.
 * Feature modules own their tables and repositories (src/modules/*: threads, runs, credentials
 * admin, users, ...), over the same database (`kyselyOf`, `storeContextOf` in kysely-store.ts).
 *
 * Every method takes the project id and, for workspace data, the workspace id: a query can never
 * reach another project's or workspace's rows, whatever id it is given. Authorization above this
 * layer decides who may call; this layer makes cross-workspace reads impossible to write.
 *
 * Times are milliseconds since the epoch. JSON fields are plain values (the store serializes them).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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
   * Tokens issued before this instant (ms) are refused (`threadgate users revoke`: `revokeUserTokens`
   * below, which the users module calls through its port, modules/users/users-ports.ts). Every
   * revocation raises it strictly (to one ms past the stored value when its own instant is not
   * later), so it is also the user's revocation generation (auth/revocation.ts).
   */
  tokensValidAfter: number | null;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Runs every pending migration. Idempotent; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

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
   * Refuses every token of the user issued before `at` (ms), in one transaction: raises the user's
   * `tokensValidAfter` strictly (see UserRecord), creating the user row if needed, and revokes the
   * user's refresh families not yet revoked. Moves no revocation epoch: the caller publishes
   * `user.revoked` once this has returned (modules/users/users-service.ts).
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
