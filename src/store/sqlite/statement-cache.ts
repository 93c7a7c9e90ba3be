/**
 * Prepared statements kept per SQL text. Kysely's SQLite driver calls `prepare(sql)` for every
 * query; better-sqlite3 compiles the statement anew each time, a measurable share of a thread
 * listing (docs/benchmarks.md). The store's queries are parameterized, so their texts are few and
 * the cache stays small; it is bounded anyway (auth/cache/bounded-cache.ts).
 *
 * A statement that is still being iterated (`busy`) is not handed out twice: the caller gets a new
 * one. SQLite re-prepares a cached statement by itself after a schema change (migrations).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { BoundedCache } from '../../auth/cache/bounded-cache.js';

/** Distinct SQL texts kept compiled. */
export const MAX_CACHED_STATEMENTS = 500;

/**
 * @example
 * new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(new BetterSqlite3(path)) }) })
 */
export function withStatementCache(database: BetterSqlite3.Database, maxStatements = MAX_CACHED_STATEMENTS): SqliteDatabase {
  const statements = new BoundedCache<string, BetterSqlite3.Statement>(maxStatements);
  return {
    close() {
      statements.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement === undefined || statement.busy) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}
