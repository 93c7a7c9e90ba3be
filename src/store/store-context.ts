/**
 * What every part of the Kysely store shares: the database, the few things that differ between
 * dialects (as small hooks, never as copies of a query), and the clock.
 */
import type { Kysely, KyselyConfig, LogEvent } from 'kysely';
import type { Database } from './database.js';

/** The differences between SQLite and PostgreSQL that the shared queries need to know about. */
export interface DialectHooks {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Whether `SELECT ... FOR UPDATE` exists. PostgreSQL needs it to serialize writers of one thread
   * under READ COMMITTED; SQLite has no row locks and needs none, because every store transaction
   * begins with `BEGIN IMMEDIATE` and so holds the database's single write lock.
   */
  readonly rowLocks: boolean;
  /** True when `error` is the driver's unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** Runs the migrations with the dialect's locking (see migrations/index.ts). */
  migrate(db: Kysely<Database>): Promise<void>;
  /** The connection pool's counts, where there is a pool (PostgreSQL), for metrics. */
  poolStats?(): PoolStats;
}

export interface PoolStats {
  /** Connections open. */
  total: number;
  /** Open and idle. */
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
}

/** Test seams, kept out of the options (STYLE.md: one `deps` argument). */
export interface StoreDeps {
  /** Milliseconds since the epoch; `Date.now` unless a test freezes time. */
  clock?: () => number;
  /**
   * Told of every query the store ran, as Kysely logs it: the compiled SQL and parameters, the
   * duration, and whether it failed. Metrics time queries with it; test/store/query-plans.ts asks
   * each planner about the very SQL the store builds. Unset: nothing is logged.
   */
  onQuery?: (event: LogEvent) => void;
}

/** `DB`: the tables its queries name (a module's own, for a module: kysely-store.ts storeContextOf). */
export interface StoreContext<DB = Database> {
  readonly db: Kysely<DB>;
  readonly hooks: DialectHooks;
  readonly clock: () => number;
}

/** Refuses a page size that is not a positive integer (misuse, not a failure: STYLE.md). */
export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit must be a positive integer, got ${limit}`);
  return limit;
}

/**
 * Kysely's `log` option when `deps.onQuery` is set (Kysely then times each query), else nothing.
 *
 * @example
 * new Kysely<Database>({ dialect, ...queryLogOf(deps) })
 */
export function queryLogOf(deps: StoreDeps): Pick<KyselyConfig, 'log'> {
  return deps.onQuery === undefined ? {} : { log: deps.onQuery };
}
