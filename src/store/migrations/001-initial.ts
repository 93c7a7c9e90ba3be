/**
 * The initial schema, written once for SQLite and PostgreSQL (see database.ts for why each column
 * type works on both: `bigint` is INTEGER affinity on SQLite, `double precision` is REAL).
 *
 * Indexes follow the queries, not the tables. Every list is keyset-paginated, so each list has an
 * index whose columns are its equality filters followed by its sort key; a page is then an index
 * range scan of `limit` rows however deep it is, at millions of rows.
 *
 * No foreign keys: every row is reached through `project_id` first, and the store keeps the tree
 * consistent inside its transactions (it deletes children with a recursive query rather than a
 * cascade, which SQLite limits to 1000 levels). A foreign key would also need its own
 * single-column index on the referencing side to keep deletes from scanning.
 *
 * It stays here, shared, as the baseline every database has applied: it creates the tables that
 * modules now own (threads, messages and feedback: modules/threads; runs, events and scores:
 * modules/runs) with the credentials' tables. A module's later changes are its own migrations
 * (modules/<name>/migrations/), keeping their global names and order (migrations/index.ts).
 */
import { sql, type Kysely } from 'kysely';

/** A 0/1 flag; the check keeps SQLite from accepting anything else. */
const flag = (column: string) => sql`${sql.ref(column)} in (0, 1)`;

/** Creates every table and index. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('threads')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('workspace_id', 'text', (col) => col.notNull())
    .addColumn('title', 'text', (col) => col.notNull())
    .addColumn('last_message_at', 'bigint', (col) => col.notNull())
    .addColumn('metadata', 'text', (col) => col.notNull())
    .addColumn('external_id', 'text')
    .addColumn('is_archived', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addCheckConstraint('threads_is_archived_flag', flag('is_archived'))
    .execute();
  // listThreads without the archived filter: newest first, scanned backwards.
  await db.schema
    .createIndex('threads_by_recency')
    .on('threads')
    .columns(['project_id', 'workspace_id', 'last_message_at', 'id'])
    .execute();
  // listThreads with is_archived: without it, a workspace of mostly archived threads would scan them all.
  await db.schema
    .createIndex('threads_by_archived_recency')
    .on('threads')
    .columns(['project_id', 'workspace_id', 'is_archived', 'last_message_at', 'id'])
    .execute();
  // One thread per external id in a workspace (the upsert key); threads without one are not limited.
  await db.schema
    .createIndex('threads_external_id_unique')
    .on('threads')
    .columns(['project_id', 'workspace_id', 'external_id'])
    .unique()
    .where(sql.ref('external_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('thread_id', 'text', (col) => col.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('height', 'integer', (col) => col.notNull())
    .addColumn('format', 'text', (col) => col.notNull())
    .addColumn('content', 'text', (col) => col.notNull())
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('messages_by_recency')
    .on('messages')
    .columns(['project_id', 'thread_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('messages_by_format_recency')
    .on('messages')
    .columns(['project_id', 'thread_id', 'format', 'created_at', 'id'])
    .execute();
  // "Has children?" and the recursive step of deleteMessages.
  await db.schema
    .createIndex('messages_by_parent')
    .on('messages')
    .columns(['project_id', 'thread_id', 'parent_id'])
    .execute();
  // parent_external_id resolution. Not unique: the hosted service does not promise it is.
  await db.schema
    .createIndex('messages_by_external_id')
    .on('messages')
    .columns(['project_id', 'thread_id', 'external_id'])
    .where(sql.ref('external_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('message_feedback')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('thread_id', 'text', (col) => col.notNull())
    .addColumn('message_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addCheckConstraint('message_feedback_type', sql`${sql.ref('type')} in ('positive', 'negative')`)
    .execute();
  // The upsert key; it also serves deletes by message id (message ids are unique everywhere).
  await db.schema
    .createIndex('message_feedback_one_per_user')
    .on('message_feedback')
    .columns(['message_id', 'user_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('message_feedback_by_thread')
    .on('message_feedback')
    .columns(['project_id', 'thread_id'])
    .execute();

  // Telemetry: written often, read by workspace and time.
  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('workspace_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('thread_id', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('report', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('workspace_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('thread_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('value', 'double precision')
    .addColumn('props', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('scores')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('workspace_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('data_type', 'text', (col) => col.notNull())
    .addColumn('value', 'double precision')
    .addColumn('string_value', 'text')
    .addColumn('comment', 'text')
    .addColumn('thread_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  for (const table of ['runs', 'events', 'scores']) {
    await db.schema
      .createIndex(`${table}_by_workspace`)
      .on(table)
      .columns(['project_id', 'workspace_id', 'created_at'])
      .execute();
    // Deleting a thread deletes its telemetry too (modules/runs runs-repository.ts deleteForThread).
    await db.schema
      .createIndex(`${table}_by_thread`)
      .on(table)
      .columns(['project_id', 'thread_id'])
      .execute();
  }

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('prefix', 'text', (col) => col.notNull())
    .addColumn('key_hash', 'text', (col) => col.notNull())
    .addColumn('scopes', 'text', (col) => col.notNull())
    .addColumn('agents', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  // Every authenticated API request looks its key up by hash.
  await db.schema.createIndex('api_keys_key_hash_unique').on('api_keys').column('key_hash').unique().execute();
  await db.schema.createIndex('api_keys_by_project').on('api_keys').columns(['project_id', 'created_at']).execute();

  // Server-wide: one set of workspace-token signing keys for every project.
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (col) => col.primaryKey())
    .addColumn('alg', 'text', (col) => col.notNull())
    .addColumn('public_jwk', 'text', (col) => col.notNull())
    .addColumn('private_jwk_encrypted', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('retired_at', 'bigint')
    .addColumn('publish_until', 'bigint')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('anonymous', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('tokens_valid_after', 'bigint')
    .addPrimaryKeyConstraint('users_pkey', ['project_id', 'id'])
    .addCheckConstraint('users_anonymous_flag', flag('anonymous'))
    .execute();

  await db.schema
    .createTable('refresh_families')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('workspace_id', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_families_by_user').on('refresh_families').columns(['project_id', 'user_id']).execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('family_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('token_hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('successor_encrypted', 'text')
    .execute();
  await db.schema.createIndex('refresh_tokens_token_hash_unique').on('refresh_tokens').column('token_hash').unique().execute();
  await db.schema.createIndex('refresh_tokens_by_family').on('refresh_tokens').column('family_id').execute();

  // Server-wide settings (the generated admin key's hash, ...).
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (col) => col.primaryKey())
    .addColumn('value', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
}

/** Drops every table (development only: nothing ships a down migration to run). */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'settings', 'refresh_tokens', 'refresh_families', 'users', 'signing_keys', 'api_keys',
    'scores', 'events', 'runs', 'message_feedback', 'messages', 'threads',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
