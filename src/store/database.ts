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
  signing_keys: SigningKeysTable;
  users: UsersTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  settings: SettingsTable;
}
