/**
 * The memory module's tables: `memories`, with its keyword index (SQLite: an FTS5 table kept in
 * step by triggers; PostgreSQL: a `tsvector` column, written by the repository in the configured
 * text-search language, under a GIN index) and its embedding (float32 bytes, or null until the
 * backfill has embedded it).
 *
 * Indexes follow the queries: every read is bound to (project, workspace, user) and lists newest
 * first, so the list index ends in (created_at, id); the backfill finds pending rows through a
 * partial index on `embed_pending`, and the purge finds expired rows through one on `expires_at`.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);
  let table = db.schema.createTable('memories');
  // SQLite: an INTEGER PRIMARY KEY is the rowid itself, so the FTS index can point at it and keep
  // pointing at it (an implicit rowid may change on VACUUM); the id stays unique.
  if (!postgres) table = table.addColumn('seq', 'integer', (col) => col.primaryKey());
  await table
    .addColumn('id', 'text', (col) => (postgres ? col.primaryKey() : col.notNull().unique()))
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('workspace_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('thread_id', 'text')
    .addColumn('text', 'text', (col) => col.notNull())
    // JSON text ('null' when there is none), as every other stored JSON.
    .addColumn('metadata', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint')
    // float32 little-endian; null until embedded.
    .addColumn('embedding', postgres ? 'bytea' : 'blob')
    .addColumn('embedding_model', 'text')
    // 1 while the text has no embedding from the configured model yet: the backfill's queue, in the database.
    .addColumn('embed_pending', 'integer', (col) => col.notNull().defaultTo(1))
    .addCheckConstraint('memories_embed_pending_flag', sql`embed_pending in (0, 1)`)
    .execute();
  await db.schema.createIndex('memories_by_user_recency').on('memories').columns(['project_id', 'workspace_id', 'user_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('memories_by_user_agent').on('memories').columns(['project_id', 'workspace_id', 'user_id', 'agent_id', 'created_at']).execute();
  // Admin count/list/erase by user across workspaces.
  await db.schema.createIndex('memories_by_project_user').on('memories').columns(['project_id', 'user_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('memories_pending').on('memories').columns(['updated_at', 'id']).where(sql.ref('embed_pending'), '=', 1).execute();
  await db.schema.createIndex('memories_expiry').on('memories').column('expires_at').where(sql.ref('expires_at'), 'is not', null).execute();

  if (postgres) {
    await sql`alter table memories add column search_vector tsvector not null default ''::tsvector`.execute(db);
    await sql`create index memories_search on memories using gin (search_vector)`.execute(db);
    return;
  }
  // The owner as one FTS token (dialects/sqlite.ts builds the same one): a search ANDs it with the
  // query's words, so FTS5 walks the owner's few postings instead of every user's.
  await sql`alter table memories add column scope_token text generated always as ('s' || lower(hex(project_id || char(31) || workspace_id || char(31) || user_id))) virtual`.execute(db);
  // External-content FTS5 table over memories.text; porter stemming over unicode61 (English
  // stems; other scripts are tokenized by Unicode word rules, diacritics folded).
  await sql`create virtual table memories_fts using fts5(text, scope_token, content='memories', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')`.execute(db);
  await sql`create trigger memories_fts_insert after insert on memories begin
    insert into memories_fts(rowid, text, scope_token) values (new.seq, new.text, new.scope_token);
  end`.execute(db);
  await sql`create trigger memories_fts_delete after delete on memories begin
    insert into memories_fts(memories_fts, rowid, text, scope_token) values ('delete', old.seq, old.text, old.scope_token);
  end`.execute(db);
  await sql`create trigger memories_fts_update after update of text on memories begin
    insert into memories_fts(memories_fts, rowid, text, scope_token) values ('delete', old.seq, old.text, old.scope_token);
    insert into memories_fts(rowid, text, scope_token) values (new.seq, new.text, new.scope_token);
  end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) await sql`drop table if exists memories_fts`.execute(db);
  await db.schema.dropTable('memories').execute();
}
