/**
 * The credentials-admin module's tables, as Kysely sees them: `api_keys` (migration 001, the
 * shared baseline), `auth_keys` (migrations/002) and `auth_rules` (migrations/003, 008, 010). Only
 * this module's repositories read or write them.
 */
import type { Flag } from '../../store/database.js';

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

/** The tables of this module, for its `Kysely` instance. */
export interface CredentialsDatabase {
  api_keys: ApiKeysTable;
  auth_keys: AuthKeysTable;
  auth_rules: AuthRulesTable;
}
