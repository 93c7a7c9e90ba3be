/**
 * The audit log's table (modules/audit/): one row per admin action or refused credential, newest
 * read first. Times are `bigint` milliseconds and `detail` is JSON text, as everywhere
 * (store/database.ts), so one migration serves SQLite and PostgreSQL.
 *
 * - `kind`: the domain event's type (`api_key.created`, `auth.failed`, ...);
 * - `actor`: `admin_key`, `cli`, `anonymous` or `system`; `actor_name`: the CLI's OS user, if known;
 * - `address`, `route`: the client address and the request (`POST /admin/v1/api-keys`), if any;
 * - `object_type`, `object_id`: what it acted on (`api_key`, `key_...`), if anything;
 * - `detail`: JSON, e.g. `{"before": ..., "after": ...}`; never a secret.
 *
 * The list (keyset, newest first) reads `(project_id, at, id)`; its filters by kind and by object
 * have their own index, the actor filter (four values) rides on the time index.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('at', 'bigint', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('actor_name', 'text')
    .addColumn('address', 'text')
    .addColumn('route', 'text')
    .addColumn('object_type', 'text')
    .addColumn('object_id', 'text')
    .addColumn('detail', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('audit_events_by_time').on('audit_events').columns(['project_id', 'at', 'id']).execute();
  await db.schema.createIndex('audit_events_by_kind').on('audit_events').columns(['project_id', 'kind', 'at', 'id']).execute();
  await db.schema.createIndex('audit_events_by_object').on('audit_events').columns(['project_id', 'object_id', 'at', 'id']).execute();
}

/** Drops the table (development only). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
}
