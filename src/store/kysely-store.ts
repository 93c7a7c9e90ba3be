/**
 * The one `Store` implementation, over a `Kysely<Database>`. SQLite and PostgreSQL build a Kysely
 * instance and a few `DialectHooks` and hand both here (sqlite/sqlite-store.ts,
 * postgres/postgres-store.ts); every query is shared. The methods live in one file per idea:
 * threads, messages, telemetry, and credentials.
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { authMethods } from './kysely-store-auth.js';
import { authKeyMethods } from './kysely-store-auth-keys.js';
import { authRuleMethods } from './kysely-store-auth-rules.js';
import { messageMethods } from './kysely-store-messages.js';
import { telemetryMethods } from './kysely-store-telemetry.js';
import { threadMethods } from './kysely-store-threads.js';
import type { DialectHooks, PoolStats, StoreContext, StoreDeps } from './store-context.js';
import type { Store } from './store.js';

/**
 * Builds the store over `db`. The store owns `db` from then on: `close()` destroys it.
 *
 * @example
 * const store = createKyselyStore(db, { dialect: 'sqlite', rowLocks: false, isUniqueViolation, migrate })
 * await store.migrate()
 */
export function createKyselyStore(db: Kysely<Database>, hooks: DialectHooks, deps: StoreDeps = {}): Store {
  const ctx: StoreContext = { db, hooks, clock: deps.clock ?? Date.now };
  let closing: Promise<void> | undefined;
  const store: Store = Object.freeze({
    dialect: hooks.dialect,
    migrate: () => hooks.migrate(db),
    // Idempotent: a shutdown path and a test's cleanup may both close it (pg's pool throws on a second end).
    close: () => (closing ??= db.destroy()),
    ...threadMethods(ctx),
    ...messageMethods(ctx),
    ...telemetryMethods(ctx),
    ...authMethods(ctx),
    ...authKeyMethods(ctx),
    ...authRuleMethods(ctx),
  });
  databases.set(store, { db, dialect: hooks.dialect, ...(hooks.poolStats !== undefined ? { poolStats: hooks.poolStats } : {}) });
  return store;
}

/** The database under each store this file built (for feature modules with their own tables). */
const databases = new WeakMap<Store, StoreDatabase>();

export interface StoreDatabase {
  db: Kysely<any>;
  dialect: DialectHooks['dialect'];
  /** The pool's counts (PostgreSQL). */
  poolStats?: () => PoolStats;
}

/**
 * The Kysely instance (and dialect) under `store`, for a feature module that keeps its own tables
 * in the same database (modules/audit/): the module owns its queries, the store owns the
 * connection and closes it. Only the store as built here: a wrapped store (withRevocationEvents)
 * is another object, so pass the one `openStore` returned.
 *
 * @example
 * const { db } = storeDatabaseOf(rawStore)
 */
export function storeDatabaseOf(store: Store): StoreDatabase {
  const found = databases.get(store);
  if (found === undefined) throw new TypeError('storeDatabaseOf: not a store built by createKyselyStore (pass the store openStore returned, not a wrapped one)');
  return found;
}
