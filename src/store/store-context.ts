/**
 * What every part of the Kysely store shares: the database, the few things that differ between
 * dialects (as small hooks, never as copies of a query), and the clock.
 */
import type { CompiledQuery, Kysely, LogEvent, Transaction } from 'kysely';
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
}

/** Test seams, kept out of the options (STYLE.md: one `deps` argument). */
export interface StoreDeps {
  /** Milliseconds since the epoch; `Date.now` unless a test freezes time. */
  clock?: () => number;
  /**
   * Called with every query the store ran, as compiled (SQL and parameters), after it ran:
   * test/store/query-plans.ts asks each planner about the very SQL the store builds.
   */
  onQuery?: (query: CompiledQuery) => void;
}

/** Kysely's `log` option for {@link StoreDeps.onQuery}; none without it. */
export function queryLogOf(deps: StoreDeps): { log?: (event: LogEvent) => void } {
  const { onQuery } = deps;
  return onQuery === undefined ? {} : { log: (event) => onQuery(event.query) };
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
