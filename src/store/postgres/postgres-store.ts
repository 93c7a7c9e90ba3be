/**
 * The PostgreSQL store. This folder is the only place that loads `pg` (open-store.ts imports it
 * dynamically), so a SQLite deployment never loads the driver.
 */
import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../database.js';
import { createKyselyStore } from '../kysely-store.js';
import { migrateToLatest } from '../migrations/index.js';
import { guardPool } from './guarded-pool.js';
import { DATABASE_TIMEOUT_DEFAULTS } from '../../config.js';
import { queryLogOf, type DialectHooks, type StoreDeps } from '../store-context.js';
import type { Store } from '../store.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /**
   * A schema to hold every table, created by `migrate()` if missing; default: the connection's
   * own `search_path` (usually `public`). Tests use one schema per run to stay apart.
   */
  schema?: string;
  /** Connections in the pool. Default 10 (pg's default). */
  poolSize?: number;
  /**
   * Milliseconds to get a connection: to open one, or to wait for a free one when all are busy.
   * Default 5000. Past it, the query fails with `DatabaseUnavailable` (guarded-pool.ts).
   */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a statement may run: the server's `statement_timeout`, and the client gives up
   * waiting for an answer 500 ms later (a stalled network). Default 10000; 0: no limit. Migrations
   * run without it, on a connection of their own.
   */
  statementTimeoutMs?: number;
}

/** How much longer than the server's statement timeout the client waits for any answer. */
const READ_TIMEOUT_GRACE_MS = 500;

/** Plain lowercase identifiers only, so the name needs no quoting anywhere it goes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * int8 (bigint, and count(*)) as a JS number instead of pg's default string. Our int8 columns are
 * millisecond timestamps, which stay exact up to 2^53 ms (the year 287396), so the conversion
 * loses nothing, and the Kysely types in database.ts say `number` on both dialects. The parser is
 * set on this pool only: changing pg.types globally would change every other pg user in the process.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Connects a pool to PostgreSQL at `url`. Call `migrate()` before first use.
 *
 * @example
 * const store = createPostgresStore({ url: 'postgres://threadgate@db/threadgate' })
 * await store.migrate()
 */
export function createPostgresStore(options: PostgresStoreOptions, deps: StoreDeps = {}): Store {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TypeError(`createPostgresStore: schema must match ${SCHEMA_NAME}, got "${schema}"`);
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? DATABASE_TIMEOUT_DEFAULTS.connectTimeoutMs;
  const statementTimeoutMs = options.statementTimeoutMs ?? DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs;
  /** A Kysely over a fresh pool; `timed`: with the statement and read timeouts. */
  const connect = (max: number, timed: boolean, log = {}) => {
    const pool = new pg.Pool({
      connectionString: options.url,
      max,
      types,
      connectionTimeoutMillis: connectTimeoutMs,
      ...(timed && statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + READ_TIMEOUT_GRACE_MS } : {}),
    });
    // An idle connection that the server drops emits 'error' on the pool; unhandled, that event
    // would crash the process. pg has already removed the client; the next query opens a new one.
    pool.on('error', () => {});
    return new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: guardPool(pool),
        // Every connection, before its first query, resolves unqualified table names in `schema`.
        ...(schema !== undefined
          ? { onCreateConnection: async (connection) => void (await connection.executeQuery(CompiledQuery.raw(`set search_path to ${schema}`))) }
          : {}),
      }),
      ...log,
    });
  };
  const db = connect(options.poolSize ?? 10, true, queryLogOf(deps));
  const hooks: DialectHooks = {
    dialect: 'postgres',
    rowLocks: true,
    isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
    async migrate() {
      // On a connection of its own without the statement timeout: a migration may rewrite a big
      // table, and a process that starts while another migrates waits for its lock.
      const kysely = connect(1, false);
      try {
        // Kysely's bookkeeping tables go in the same schema as ours, named explicitly (see
        // migrations/index.ts). Kysely creates the schema if it is missing, tolerating a race.
        const migrationTableSchema =
          schema ?? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(kysely)).rows[0]?.schema ?? undefined;
        if (migrationTableSchema === undefined || migrationTableSchema === null) {
          throw new Error('PostgreSQL: the search_path names no existing schema to create the tables in');
        }
        await migrateToLatest(kysely, { migrationTableSchema });
      } finally {
        await kysely.destroy();
      }
    },
  };
  return createKyselyStore(db, hooks, deps);
}
