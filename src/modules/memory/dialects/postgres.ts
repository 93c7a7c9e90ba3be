/**
 * PostgreSQL: a tsvector per memory in the configured text-search language (written with the text),
 * under a GIN index, ranked by ts_rank_cd(); JSON through jsonb.
 */
import { sql } from 'kysely';
import type { MemoryDialect } from './dialect.js';

/**
 * @param language a text-search configuration name (`english`, `simple`, `german`...), checked
 *   by config.ts to be a plain identifier; bound as a parameter all the same.
 */
export function postgresMemoryDialect(language: string): MemoryDialect {
  const config = sql`${language}::regconfig`;
  return {
    name: 'postgres',
    searchColumns: (text, _owner) => ({ search_vector: sql`to_tsvector(${config}, ${text})` }),
    async keywordSearch(db, tokens, _scope, where, columns, limit) {
      // Each token becomes its own plainto_tsquery (which takes plain text, never tsquery syntax),
      // and the queries are joined with || (OR): no query text is ever parsed as syntax.
      const query = sql.join(tokens.map((token) => sql`plainto_tsquery(${config}, ${token})`), sql` || `);
      return (await db
        .selectFrom('memories as m')
        .select(columns as any)
        .select(sql<number>`ts_rank_cd(m.search_vector, ${query})::float8`.as('score'))
        .where(sql<boolean>`m.search_vector @@ (${query})`)
        .where(where)
        .orderBy('score', 'desc')
        .limit(limit)
        .execute()) as any;
    },
    metadataEquals: (key, json) => sql<boolean>`(m.metadata::jsonb -> ${key}) = ${json}::jsonb`,
  };
}
