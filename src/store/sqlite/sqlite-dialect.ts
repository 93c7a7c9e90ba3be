/**
 * Kysely's SQLite dialect with two changes that matter once several processes share one file
 * (the server and a `threadgate migrate` or `keys rotate` beside it):
 *
 * 1. Transactions begin with `BEGIN IMMEDIATE`. A plain (deferred) `BEGIN` starts as a reader and
 *    upgrades to a writer at its first write; in WAL mode that upgrade fails at once with
 *    SQLITE_BUSY when another connection committed in between, and `busy_timeout` does not help.
 *    Every transaction of the store writes, so taking the write lock up front costs nothing and
 *    turns the failure into a wait of at most `busy_timeout`.
 * 2. The adapter reports transactional DDL (SQLite has it). Kysely's stock SQLite adapter says no,
 *    so its migrator runs with no lock and no transaction: two processes starting at once would
 *    both see the migration pending and both run it. With a transaction (and 1.), the second one
 *    waits for the first to commit, then reads the migration table and finds nothing to do; and a
 *    crash half-way through a migration leaves nothing half-applied.
 */
import {
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** SqliteDialect with write-locking transactions and transactional migrations (see above). */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
