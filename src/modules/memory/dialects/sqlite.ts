/**
 * SQLite: FTS5 over the owner-scoped terms of `memories.search_terms` (sqlite-terms.ts, migration
 * 011; an external-content table kept in step by triggers), ranked by bm25(), and JSON through the
 * `->` operator.
 */
import { sql } from 'kysely';
import type { MemoryDialect } from './dialect.js';
import { indexTerms, matchExpression } from './sqlite-terms.js';

export const sqliteMemoryDialect: MemoryDialect = {
  name: 'sqlite',
  searchColumns: (text, owner) => ({ search_terms: sql`${indexTerms(owner, text)}` }),
  keywordQuery(db, tokens, scope) {
    // The MATCH text is bound as one parameter, so it never meets the SQL, and it holds only the
    // caller's quoted terms, so FTS5 reads the caller's posting lists and nothing else. bm25()'s
    // IDF weighs a term by how many of the owner's memories hold the word, against the whole table.
    const match = matchExpression(scope, tokens);
    const query = db.selectFrom('memories_terms').innerJoin('memories as m', 'm.seq', 'memories_terms.rowid');
    return (match === undefined ? query.where(sql<boolean>`0`) : query.where(sql<boolean>`memories_terms match ${match}`))
      .select(sql<number>`-bm25(memories_terms)`.as('score'))
      .orderBy(sql`bm25(memories_terms)`) as any;
  },
  metadataEquals: (key, json) => sql<boolean>`(m.metadata -> ${'$.' + JSON.stringify(key)}) = ${json}`,
};
