/**
 * What every part of the Kysely store shares: the database, the few things that differ between
 * dialects (as small hooks, never as copies of a query), and the clock.
 */
import type { Kysely, KyselyConfig, LogEvent, Transaction } from 'kysely';
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

export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly hooks: DialectHooks;
  readonly clock: () => number;
}

/**
 * Takes the write lock on one thread's row (PostgreSQL) and says whether the thread exists. Every
 * change to a thread's messages takes it first, so "has children?", "is the parent still there?"
 * and "which descendants go?" are answered with no other writer of that thread in between.
 */
export async function lockThread(ctx: StoreContext, trx: Transaction<Database>, projectId: string, threadId: string): Promise<boolean> {
  let query = trx.selectFrom('threads').select('id').where('project_id', '=', projectId).where('id', '=', threadId);
  if (ctx.hooks.rowLocks) query = query.forUpdate();
  return (await query.executeTakeFirst()) !== undefined;
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
