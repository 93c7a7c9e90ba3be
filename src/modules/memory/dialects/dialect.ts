/**
 * What differs between SQLite and PostgreSQL for memories: how the keyword index is written and
 * searched. Everything else in memory-repository.ts is one query for both.
 */
import type { Expression, Kysely, RawBuilder, SelectQueryBuilder, SqlBool } from 'kysely';
import type { MemoryScope } from '../memory-types.js';

export interface MemoryDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Extra columns to write with a memory's text, owned by `owner` (PostgreSQL: its tsvector;
   * SQLite: the owner's terms, which its FTS5 table indexes).
   */
  searchColumns(text: string, owner: Pick<MemoryScope, 'projectId' | 'workspaceId' | 'userId'>): Record<string, RawBuilder<unknown>>;
  /**
   * A query over `memories as m` restricted to rows matching any of `tokens`, selecting
   * `score` (higher is better) and ordered by it. `tokens` are plain words (letters and digits
   * only; see search-tokens.ts), never query syntax. The caller still binds every row to `scope`;
   * a dialect may use the scope to narrow the index search first.
   */
  keywordQuery(db: Kysely<any>, tokens: readonly string[], scope: MemoryScope): SelectQueryBuilder<any, any, { score: number }>;
  /** `metadata`'s top-level `key` equals the JSON value `json` (given as JSON text). */
  metadataEquals(key: string, json: string): Expression<SqlBool>;
}
