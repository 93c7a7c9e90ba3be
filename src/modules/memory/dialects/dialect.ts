/**
 * What differs between SQLite and PostgreSQL for memories: how the keyword index is written and
 * searched. Everything else in memory-repository.ts is one query for both.
 */
import type { Expression, Kysely, RawBuilder, SqlBool } from 'kysely';
import type { MemoryScope } from '../memory-types.js';

export interface MemoryDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Extra columns to write with a memory's text, owned by `owner` (PostgreSQL: its tsvector;
   * SQLite: the owner's terms, which its FTS5 table indexes). The owner is part of SQLite's terms:
   * code that ever moves a memory to another user or workspace must write them again.
   */
  searchColumns(text: string, owner: Pick<MemoryScope, 'projectId' | 'workspaceId' | 'userId'>): Record<string, RawBuilder<unknown>>;
  /**
   * The best `limit` rows of `memories as m` that match any of `tokens` and satisfy `where`, best
   * first, each with `score` (higher is better) and the `columns`. `tokens` are plain words
   * (letters and digits only; see search-tokens.ts), never query syntax. `where` binds every row to
   * `scope` (and the caller's filters); a dialect may use the scope to narrow the index search first.
   */
  keywordSearch(
    db: Kysely<any>,
    tokens: readonly string[],
    scope: MemoryScope,
    where: Expression<SqlBool>,
    columns: readonly string[],
    limit: number,
  ): Promise<Array<Record<string, unknown> & { score: number }>>;
  /** `metadata`'s top-level `key` equals the JSON value `json` (given as JSON text). */
  metadataEquals(key: string, json: string): Expression<SqlBool>;
}
