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

/**
 * The owner's token in the FTS index: the generated column `scope_token` of migration 007, the same
 * expression in JavaScript ('s' + hex of the UTF-8 of project, workspace and user joined by U+001F).
 */
export function scopeToken(scope: { projectId: string; workspaceId: string; userId: string }): string {
  return `s${Buffer.from(`${scope.projectId}\u001f${scope.workspaceId}\u001f${scope.userId}`, 'utf8').toString('hex')}`;
}

export const sqliteMemoryDialect: MemoryDialect = {
  name: 'sqlite',
  searchColumns: () => ({}),
  keywordQuery(db, tokens, scope) {
    // Tokens are bound as one parameter, so the MATCH text never meets the SQL; quoting each one
    // keeps FTS5 from reading AND, OR, NEAR, *, ^, : or a column name in it. The words are
    // searched in `text` only, ANDed with the owner's token in `scope_token`; bm25 weighs the
    // scope column 0, so it never changes a score.
    const match = `scope_token : ${ftsString(scopeToken(scope))} AND text : (${tokens.map(ftsString).join(' OR ')})`;
    return db
      .selectFrom('memories_fts')
      .innerJoin('memories as m', 'm.seq', 'memories_fts.rowid')
      .where(sql<boolean>`memories_fts match ${match}`)
      .select(sql<number>`-bm25(memories_fts, 1.0, 0.0)`.as('score'))
      .orderBy(sql`bm25(memories_fts, 1.0, 0.0)`) as any;
  },
  metadataEquals: (key, json) => sql<boolean>`(m.metadata -> ${'$.' + JSON.stringify(key)}) = ${json}`,
};
