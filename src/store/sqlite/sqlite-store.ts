/**
 * The SQLite store: one file, one better-sqlite3 connection per process, WAL so readers in other
 * processes (a CLI beside the server) never block on the writer.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { createKyselyStore } from '../kysely-store.js';
import { migrateToLatest } from '../migrations/index.js';
import { queryLogOf, type DialectHooks, type StoreDeps } from '../store-context.js';
import type { Store } from '../store.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';
import { withStatementCache } from './statement-cache.js';

export interface SqliteStoreOptions {
  /** The database file; created if missing (its folder must exist). */
  path: string;
  /** How long a writer waits for another process's write lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

const hooks: DialectHooks = {
  dialect: 'sqlite',
  rowLocks: false,
  isUniqueViolation: (error) => {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
  migrate: (db) => migrateToLatest(db),
};

/** Runs `action` again, pausing the thread a little each time, while SQLite says SQLITE_BUSY. */
function retryWhileBusy(timeoutMs: number, action: () => void): void {
  const deadline = Date.now() + timeoutMs;
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 100)) {
    try {
      action();
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      // The store is being opened, synchronously: nothing else can run meanwhile anyway.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    }
  }
}

/**
 * Opens (or creates) the SQLite database at `path`. Call `migrate()` before first use.
 *
 * @example
 * const store = createSqliteStore({ path: './threadgate.db' })
 * await store.migrate()
 */
export function createSqliteStore(options: SqliteStoreOptions, deps: StoreDeps = {}): Store {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const sqlite = new BetterSqlite3(options.path, { timeout: busyTimeoutMs });
  try {
    // Switching a new file to WAL needs an exclusive lock, and SQLite reports SQLITE_BUSY for it
    // at once, without calling the busy handler, when another process is opening the same new
    // file (the server and `threadgate migrate` started together). So we retry it ourselves.
    retryWhileBusy(busyTimeoutMs, () => sqlite.pragma('journal_mode = WAL'));
    sqlite.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    sqlite.pragma('foreign_keys = ON');
    // Durability. In WAL mode, NORMAL already survives a killed process (kill -9): a commit is in
    // the WAL file, i.e. in the OS page cache, before the call returns, and the OS writes it out
    // whether or not the process lives. What NORMAL loses is the last commits on power loss or an
    // OS crash, because it fsyncs only at checkpoints. FULL fsyncs the WAL on every commit. We pay
    // that: a refresh token marked consumed, or an API key revoked, must not come back to life
    // after a power cut, and Threadgate's writes are small and few next to an fsync's cost.
    sqlite.pragma('synchronous = FULL');
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }), ...queryLogOf(deps) });
  return createKyselyStore(db, hooks, deps);
}
