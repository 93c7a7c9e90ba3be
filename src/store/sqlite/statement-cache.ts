/**
 * Prepared statements kept per SQL text. Kysely's SQLite driver calls `prepare(sql)` for every
 * query; better-sqlite3 compiles the statement anew each time, which cost a listing of 20 threads
 * about an eighth of its time (bench/, `tg-list-sqlite`). The store's queries are parameterized, so
 * their texts are few and the cache stays small; it is bounded anyway, oldest out first.
 *
 * A statement that is still being iterated (`busy`) is not handed out twice: the caller gets a new
 * one. SQLite re-prepares a cached statement by itself after a schema change (migrations).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept compiled. */
export const MAX_CACHED_STATEMENTS = 500;

/**
 * @example
 * new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(new BetterSqlite3(path)) }) })
 */
export function withStatementCache(database: BetterSqlite3.Database, maxStatements = MAX_CACHED_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close() {
      statements.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement === undefined || statement.busy) {
        statement = database.prepare(sql);
        statements.delete(sql);
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}
