/**
 * Picks the store for the configured database. Each implementation is imported only when chosen,
 * so a SQLite deployment never loads `pg` and a PostgreSQL one never loads the native SQLite addon.
 */
import type { DatabaseConfig } from '../config.js';
import type { Store } from './store.js';

/**
 * Opens the store for `database` (from `resolveConfig().database`). Does not migrate: call
 * `store.migrate()` (server start and `threadgate migrate` do).
 *
 * @example
 * const store = await openStore({ kind: 'sqlite', path: './threadgate.db' })
 * await store.migrate()
 */
export async function openStore(database: DatabaseConfig): Promise<Store> {
  switch (database.kind) {
    case 'sqlite': {
      const { createSqliteStore } = await import('./sqlite/sqlite-store.js');
      return createSqliteStore({ path: database.path });
    }
    case 'postgres': {
      const { createPostgresStore } = await import('./postgres/postgres-store.js');
      return createPostgresStore({
        url: database.url,
        ...(database.connectTimeoutMs !== undefined ? { connectTimeoutMs: database.connectTimeoutMs } : {}),
        ...(database.statementTimeoutMs !== undefined ? { statementTimeoutMs: database.statementTimeoutMs } : {}),
      });
    }
    default: {
      const unknown: never = database;
      throw new TypeError(`openStore: unknown database kind ${JSON.stringify(unknown)}`);
    }
  }
}
