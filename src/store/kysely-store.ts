/**
 * The one `Store` implementation, over a `Kysely<Database>`. SQLite and PostgreSQL build a Kysely
 * instance and a few `DialectHooks` and hand both here (sqlite/sqlite-store.ts,
 * postgres/postgres-store.ts); every query is shared. The methods live in one file per idea
 * (signing keys, users, sessions, settings); a module with its own tables (src/modules/*) reaches
 * the same database through `kyselyOf` or `storeContextOf`.
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { authMethods } from './kysely-store-auth.js';
import type { DialectHooks, PoolStats, StoreContext, StoreDeps } from './store-context.js';
import type { Store } from './store.js';

/**
 * The key under which a store built here keeps its Kysely instance. A symbol, so it is no method of
 * the `Store` interface, yet a copy of the store made by spreading it (a test's joined store) keeps it.
 */
const STORE_DATABASE = Symbol('threadgate.store.database');

/**
 * The Kysely instance behind a store built by `createKyselyStore` (or a spread copy of one): how a
 * module with its own tables (src/modules/memory) reaches the database without growing `Store`.
 *
 * @example
 * const db = kyselyOf(deps.store)
 */
export function kyselyOf(store: object): Kysely<any> {
  const db = (store as { [STORE_DATABASE]?: Kysely<any> })[STORE_DATABASE];
  if (db === undefined) throw new TypeError('kyselyOf: this store was not built by createKyselyStore');
  return db;
}

/** The key of the store's context (database, dialect hooks, clock), like STORE_DATABASE. */
const STORE_CONTEXT = Symbol('threadgate.store.context');

/**
 * The context behind a store built by `createKyselyStore` (or a spread copy of one): its database,
 * its dialect hooks (row locks, unique violations) and its clock. How a module whose queries need
 * the dialect's differences (src/modules/threads: row locks) shares them instead of copying them;
 * `DB` names the module's own tables.
 *
 * @example
 * const ctx = storeContextOf<ThreadsDatabase>(deps.store)
 */
export function storeContextOf<DB = Database>(store: object): StoreContext<DB> {
  const ctx = (store as { [STORE_CONTEXT]?: StoreContext<DB> })[STORE_CONTEXT];
  if (ctx === undefined) throw new TypeError('storeContextOf: this store was not built by createKyselyStore');
  return ctx;
}

/** The key of the connection pool's counts (PostgreSQL), like STORE_DATABASE. */
const POOL_STATS = Symbol('threadgate.store.poolStats');

/**
 * The connection pool's counts behind a store built by `createKyselyStore`, for metrics; undefined
 * where there is no pool (SQLite).
 *
 * @example
 * const stats = poolStatsOf(deps.store)?.()
 */
export function poolStatsOf(store: object): (() => PoolStats) | undefined {
  return (store as { [POOL_STATS]?: () => PoolStats })[POOL_STATS];
}

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
  return Object.freeze({
    // For modules with their own tables (src/modules/*): see kyselyOf.
    [STORE_DATABASE]: db,
    [STORE_CONTEXT]: ctx,
    ...(hooks.poolStats !== undefined ? { [POOL_STATS]: hooks.poolStats } : {}),
    dialect: hooks.dialect,
    migrate: () => hooks.migrate(db),
    // Idempotent: a shutdown path and a test's cleanup may both close it (pg's pool throws on a second end).
    close: () => (closing ??= db.destroy()),
    ...authMethods(ctx),
  });
}
