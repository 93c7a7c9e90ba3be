/**
 * Picks the store for the configured database. Each implementation is imported only when chosen,
 * so a SQLite deployment never loads `pg` and a PostgreSQL one never loads the native SQLite addon.
 */
import type { DatabaseConfig } from '../config.js';
import type { CheckpointLogger } from './sqlite/checkpoint-worker.js';
import type { Store } from './store.js';

/**
 * Opens the store for `database` (from `resolveConfig().database`). Does not migrate: call
 * `store.migrate()` (server start and `threadgate migrate` do). `logger` (a pino logger fits) hears
 * from SQLite's checkpoint worker if it fails or the WAL cannot start over; PostgreSQL logs nothing.
 *
 * @example
 * const store = await openStore({ kind: 'sqlite', path: './threadgate.db' }, { logger })
 * await store.migrate()
 */
export async function openStore(database: DatabaseConfig, deps: { logger?: CheckpointLogger } = {}): Promise<Store> {
  switch (database.kind) {
    case 'sqlite': {
      const { createSqliteStore } = await import('./sqlite/sqlite-store.js');
      return createSqliteStore({ path: database.path }, { logger: deps.logger });
    }
    case 'postgres': {
      const { createPostgresStore } = await import('./postgres/postgres-store.js');
      return createPostgresStore({ url: database.url });
    }
    default: {
      const unknown: never = database;
      throw new TypeError(`openStore: unknown database kind ${JSON.stringify(unknown)}`);
    }
  }
}
