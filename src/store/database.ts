/**
 * Kysely table types: the rows exactly as both databases hold them, before `rows.ts` turns them
 * into the records of `store.ts`.
 *
 * The column types are chosen so that one migration works on SQLite and PostgreSQL alike:
 * - times are `bigint` milliseconds (SQLite stores them as INTEGER; on PostgreSQL the pool parses
 *   int8 into a JS number, see postgres/postgres-store.ts, so they read back as `number` on both);
 * - flags are `integer` 0/1 (SQLite has no boolean, and one representation means no dialect code);
 * - JSON is `text`, serialized and parsed by the store, so both databases store the same bytes.
 *
 * Every workspace row carries `project_id`; signing keys and settings are server-wide.
 */
/** 0 or 1: a flag, as SQLite and PostgreSQL both store it here. */
export type Flag = 0 | 1;

/** The `api_keys` table. */
export interface ApiKeysTable {
  id: string;
  project_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string;
  /** JSON text: `"all"` or an array of agent names. */
  agents: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The `auth_keys` table (migration 002): HS256 user-token keys, the secret sealed. */
export interface AuthKeysTable {
  id: string;
  project_id: string;
  name: string;
  /** JSON text: `"all"` or an array of agent ids. */
  agents: string;
  /** The secret, sealed with the master key (purpose `auth-key`). */
  secret_encrypted: string;
  created_at: number;
  /** JSON text: mapUser, `{ "<field>": "<claim>" }`, or null (migration 011). */
  user_fields: string | null;
}

/** The `auth_rules` table (migration 003): how identity-provider tokens are accepted. */
export interface AuthRulesTable {
  id: string;
  project_id: string;
  name: string;
  provider: string | null;
  issuer: string;
  audience: string;
  jwks_uri: string | null;
  discovery_url: string | null;
  /** JSON text: a list of algorithm names. */
  algorithms: string;
  token_type: 'access' | 'id' | 'any';
  user_id_claim: string;
  workspace_template: string | null;
  /** JSON text: an object, claim name → required value. */
  required_claims: string;
  scopes_claim: string | null;
  /** JSON text: field name → claim name (mapUser), or null (migration 008-agents). */
  user_fields: string | null;
  enabled: Flag;
  /** Migration 008: 1 for a service rule (acts for the user in the identity headers). */
  service: Flag;
  created_at: number;
  updated_at: number;
}

/** The `signing_keys` table. */
export interface SigningKeysTable {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  public_jwk: string;
  private_jwk_encrypted: string;
  created_at: number;
  retired_at: number | null;
  publish_until: number | null;
}

/** The `users` table. */
export interface UsersTable {
  project_id: string;
  id: string;
  anonymous: Flag;
  created_at: number;
  tokens_valid_after: number | null;
}

/** The `refresh_families` table. */
export interface RefreshFamiliesTable {
  id: string;
  project_id: string;
  user_id: string;
  workspace_id: string;
  created_at: number;
  revoked_at: number | null;
}

/** The `refresh_tokens` table. */
export interface RefreshTokensTable {
  id: string;
  family_id: string;
  project_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  successor_encrypted: string | null;
}

/** The `settings` table. */
export interface SettingsTable {
  key: string;
  value: string;
  created_at: number;
}

/**
 * The store's own tables, as Kysely sees them. A module types the tables it owns itself
 * (modules/threads/threads-tables.ts, modules/runs/runs-tables.ts): no other code can name them.
 */
export interface Database {
  api_keys: ApiKeysTable;
  auth_keys: AuthKeysTable;
  auth_rules: AuthRulesTable;
  signing_keys: SigningKeysTable;
  users: UsersTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  settings: SettingsTable;
}
