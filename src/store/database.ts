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
import type { RunEndReason } from './store.js';

/** 0 or 1: a flag, as SQLite and PostgreSQL both store it here. */
export type Flag = 0 | 1;

/** The `threads` table. */
export interface ThreadsTable {
  id: string;
  project_id: string;
  workspace_id: string;
  title: string;
  last_message_at: number;
  /** JSON text. */
  metadata: string;
  external_id: string | null;
  is_archived: Flag;
  created_at: number;
  updated_at: number;
}

/** The `messages` table. */
export interface MessagesTable {
  id: string;
  project_id: string;
  thread_id: string;
  parent_id: string | null;
  /** Depth in the message tree: 0 for a root, parent's height + 1 otherwise. */
  height: number;
  format: string;
  /** JSON text. */
  content: string;
  external_id: string | null;
  created_at: number;
  updated_at: number;
  /** The run lease (migration 004): its id, null for a message that never had one. */
  run_lease_id: string | null;
  /** The lease's last beat (its opening, a heartbeat or a write carrying it). */
  run_heartbeat_at: number | null;
  /** When the lease ended; null while it runs. */
  run_ended_at: number | null;
  /** `done`, `cancelled` or `error`: the first end's reason. */
  run_end_reason: RunEndReason | null;
}

/** The `message_feedback` table. */
export interface MessageFeedbackTable {
  id: string;
  project_id: string;
  thread_id: string;
  message_id: string;
  user_id: string;
  type: 'positive' | 'negative';
  comment: string | null;
  created_at: number;
  updated_at: number;
}

/** The `runs` table. */
export interface RunsTable {
  id: string;
  project_id: string;
  workspace_id: string;
  user_id: string;
  thread_id: string | null;
  status: string;
  /** JSON text. */
  report: string;
  created_at: number;
}

/** The `events` table. */
export interface EventsTable {
  id: string;
  project_id: string;
  workspace_id: string;
  user_id: string;
  kind: string;
  thread_id: string | null;
  message_id: string | null;
  run_id: string | null;
  value: number | null;
  /** JSON text. */
  props: string;
  created_at: number;
}

/** The `scores` table. */
export interface ScoresTable {
  id: string;
  project_id: string;
  workspace_id: string;
  user_id: string;
  name: string;
  data_type: 'numeric' | 'categorical' | 'boolean';
  value: number | null;
  string_value: string | null;
  comment: string | null;
  thread_id: string | null;
  message_id: string | null;
  run_id: string | null;
  created_at: number;
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

/** Every table, as Kysely sees the database. */
export interface Database {
  threads: ThreadsTable;
  messages: MessagesTable;
  message_feedback: MessageFeedbackTable;
  runs: RunsTable;
  events: EventsTable;
  scores: ScoresTable;
  signing_keys: SigningKeysTable;
  users: UsersTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  settings: SettingsTable;
}
