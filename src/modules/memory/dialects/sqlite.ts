/**
 * SQLite: FTS5 over the owner-scoped terms of `memories.search_terms` (sqlite-terms.ts, migration
 * 012; an external-content table kept in step by triggers), ranked by bm25(), and JSON through the
 * `->` operator.
 */
import { sql } from 'kysely';
import type { MemoryDialect } from './dialect.js';
import { indexTerms, matchExpression } from './sqlite-terms.js';

/** How many times more ranked hits each further round reads when `where` left rows out. */
const ROUND_GROWTH = 4;
/** The most hits one round reads (each is a bound parameter of the row query). */
const MAX_ROUND_HITS = 1000;

export const sqliteMemoryDialect: MemoryDialect = {
  name: 'sqlite',
  searchColumns: (text, owner) => ({ search_terms: sql`${indexTerms(owner, text)}` }),
  async keywordSearch(db, tokens, scope, where, columns, limit) {
    // The MATCH text is bound as one parameter, so it never meets the SQL, and it holds only the
    // caller's quoted terms, so FTS5 reads the caller's posting lists and nothing else. bm25()'s
    // IDF weighs a term by how many of the owner's memories hold the word, against the whole table.
    const match = matchExpression(scope, tokens);
    if (match === undefined) return [];
    // Rank in the index first, then read the rows of the best hits only: a memory's row (with its
    // vector) is far larger than its index entry, and one user's rows lie one every so many pages
    // of a large table, so reading every hit's row before ranking cost a page per hit. `where`
    // (owner, expiry, filters) is checked on those rows; when it leaves rows out, the next round
    // reads the following hits, in the same order (bm25, then rowid), until `limit` rows pass.
    const hits: Array<Record<string, unknown> & { score: number }> = [];
    let offset = 0;
    for (let round = limit; ; round = Math.min(round * ROUND_GROWTH, MAX_ROUND_HITS)) {
      const ranked = (await db
        .selectFrom('memories_terms')
        .select([sql<number>`rowid`.as('seq'), sql<number>`-bm25(memories_terms)`.as('score')])
        .where(sql<boolean>`memories_terms match ${match}`)
        .orderBy(sql`bm25(memories_terms)`)
        .orderBy(sql`rowid`)
        .limit(round)
        .offset(offset)
        .execute()) as Array<{ seq: number; score: number }>;
      if (ranked.length === 0) return hits;
      // NOT INDEXED: by rowid, never through the owner's index (which, without ANALYZE, the
      // planner would prefer, reading all the owner's entries for a few rows).
      const { rows } = await sql<Record<string, unknown> & { seq: number }>`
        select ${sql.join(columns.map((column) => sql.ref(column)))}, m.seq from memories as m not indexed
        where m.seq in (${sql.join(ranked.map((hit) => hit.seq))}) and ${where}`.execute(db);
      const bySeq = new Map(rows.map((row) => [row.seq, row]));
      for (const { seq, score } of ranked) {
        const row = bySeq.get(seq);
        if (row === undefined) continue;
        hits.push({ ...row, score });
        if (hits.length === limit) return hits;
      }
      if (ranked.length < round) return hits;
      offset += round;
    }
  },
  metadataEquals: (key, json) => sql<boolean>`(m.metadata -> ${'$.' + JSON.stringify(key)}) = ${json}`,
};
