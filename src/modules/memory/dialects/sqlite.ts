/**
 * SQLite: FTS5 (an external-content table kept in step by triggers, migration 007) ranked by
 * bm25(), and JSON through the `->` operator.
 */
import { sql } from 'kysely';
import type { MemoryDialect } from './dialect.js';

/** An FTS5 string literal: every token double-quoted, quotes doubled, so it is never syntax. */
function ftsString(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

export const sqliteMemoryDialect: MemoryDialect = {
  name: 'sqlite',
  searchColumns: () => ({}),
  keywordQuery(db, tokens) {
    // Tokens are bound as one parameter, so the MATCH text never meets the SQL; quoting each one
    // keeps FTS5 from reading AND, OR, NEAR, *, ^, : or a column name in it.
    const match = tokens.map(ftsString).join(' OR ');
    return db
      .selectFrom('memories_fts')
      .innerJoin('memories as m', 'm.seq', 'memories_fts.rowid')
      .where(sql<boolean>`memories_fts match ${match}`)
      .select(sql<number>`-bm25(memories_fts)`.as('score'))
      .orderBy(sql`bm25(memories_fts)`) as any;
  },
  metadataEquals: (key, json) => sql<boolean>`(m.metadata -> ${'$.' + JSON.stringify(key)}) = ${json}`,
};
