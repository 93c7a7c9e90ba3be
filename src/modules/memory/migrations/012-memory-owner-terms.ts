/**
 * SQLite's keyword index becomes per owner (dialects/sqlite-terms.ts). Migration 007 indexed the
 * bare words of every memory and ANDed them with the owner's token, so a common word's posting list
 * (every user's memories holding it) was read whole by every search: it grew with the table.
 * Now `memories.search_terms` holds the memory's words each prefixed with its owner's key, written
 * by the repository with the text, and the FTS5 table `memories_terms` indexes that column alone:
 * a search reads only the caller's postings.
 *
 * On an existing database this computes every memory's terms (in batches, in the migration's
 * transaction), builds the new index from them, and drops migration 007's FTS table, triggers and
 * `scope_token` column. PostgreSQL is unchanged (its GIN index has no such cost).
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { indexTerms } from '../dialects/sqlite-terms.js';

/** Rows read and written per round while filling `search_terms`. */
const BATCH_ROWS = 2000;

/** Drops an FTS5 table over `memories` and its triggers `<table>_insert`, `_delete` and `_update`. */
async function dropFtsIndex(db: Kysely<any>, table: string): Promise<void> {
  for (const event of ['insert', 'delete', 'update']) await sql`drop trigger if exists ${sql.id(`${table}_${event}`)}`.execute(db);
  await sql`drop table if exists ${sql.id(table)}`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await dropFtsIndex(db, 'memories_fts');
  await sql`alter table memories drop column scope_token`.execute(db);
  await sql`alter table memories add column search_terms text not null default ''`.execute(db);

  let after = -1;
  for (;;) {
    const { rows } = await sql<{ seq: number; project_id: string; workspace_id: string; user_id: string; text: string }>`
      select seq, project_id, workspace_id, user_id, text from memories where seq > ${after} order by seq limit ${BATCH_ROWS}`.execute(db);
    for (const row of rows) {
      const terms = indexTerms({ projectId: row.project_id, workspaceId: row.workspace_id, userId: row.user_id }, row.text);
      await sql`update memories set search_terms = ${terms} where seq = ${row.seq}`.execute(db);
    }
    if (rows.length < BATCH_ROWS) break;
    after = rows[rows.length - 1]!.seq;
  }

  // External content over memories.search_terms. The `ascii` tokenizer keeps each term whole: a
  // term is ASCII letters and digits and non-ASCII characters, all of them token characters.
  await sql`create virtual table memories_terms using fts5(search_terms, content='memories', content_rowid='seq', tokenize='ascii')`.execute(db);
  await sql`insert into memories_terms(memories_terms) values ('rebuild')`.execute(db);
  await sql`create trigger memories_terms_insert after insert on memories begin
    insert into memories_terms(rowid, search_terms) values (new.seq, new.search_terms);
  end`.execute(db);
  await sql`create trigger memories_terms_delete after delete on memories begin
    insert into memories_terms(memories_terms, rowid, search_terms) values ('delete', old.seq, old.search_terms);
  end`.execute(db);
  await sql`create trigger memories_terms_update after update of search_terms on memories begin
    insert into memories_terms(memories_terms, rowid, search_terms) values ('delete', old.seq, old.search_terms);
    insert into memories_terms(rowid, search_terms) values (new.seq, new.search_terms);
  end`.execute(db);
}

/** Drops the owner-scoped index; it does not bring back migration 007's (007's own down drops the table). */
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await dropFtsIndex(db, 'memories_terms');
  await sql`alter table memories drop column search_terms`.execute(db);
}
