/**
 * Run leases (the `assistant-cloud` client's `open_run`, AssistantCloudThreadRuns.ts): a message
 * stored while its assistant reply is still being written carries the lease of the run writing it.
 * A lease belongs to its message alone, and a message has at most one, so the lease is four
 * columns of `messages`: it goes wherever the message goes (moved with its thread on claim,
 * deleted with it), with no second table to keep in step.
 *
 * - `run_lease_id`: the lease's id, null for a message that never had one;
 * - `run_heartbeat_at`: the lease's last beat (its opening, a beat, or a write carrying it), ms;
 * - `run_ended_at`: when it ended, null while it runs; the server never ends one by itself;
 * - `run_end_reason`: `done`, `cancelled` or `error`, the first end's reason.
 *
 * It also adds the indexes of the project-wide thread list (`GET /v1/projects/threads`), which
 * reads across workspaces: the same keyset order as the workspace list, without the workspace.
 */
import { sql, type Kysely } from 'kysely';

/** Adds the lease columns and their index, and the project-wide list indexes. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('run_lease_id', 'text').execute();
  await db.schema.alterTable('messages').addColumn('run_heartbeat_at', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('run_ended_at', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('run_end_reason', 'text').execute();
  // A heartbeat, an end and a write as the holder find the message by its lease. Lease ids are
  // random; unique all the same, so a lease can never name two messages.
  await db.schema
    .createIndex('messages_run_lease_unique')
    .on('messages')
    .column('run_lease_id')
    .unique()
    .where(sql.ref('run_lease_id'), 'is not', null)
    .execute();

  await db.schema
    .createIndex('threads_by_project_recency')
    .on('threads')
    .columns(['project_id', 'last_message_at', 'id'])
    .execute();
  await db.schema
    .createIndex('threads_by_project_archived_recency')
    .on('threads')
    .columns(['project_id', 'is_archived', 'last_message_at', 'id'])
    .execute();
}

/** Drops what `up` added (development only). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('threads_by_project_archived_recency').execute();
  await db.schema.dropIndex('threads_by_project_recency').execute();
  await db.schema.dropIndex('messages_run_lease_unique').execute();
  for (const column of ['run_end_reason', 'run_ended_at', 'run_heartbeat_at', 'run_lease_id']) {
    await db.schema.alterTable('messages').dropColumn(column).execute();
  }
}
