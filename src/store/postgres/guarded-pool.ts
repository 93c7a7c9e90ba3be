/**
 * The pg pool as Kysely sees it, with every way the database can fail to answer turned into
 * `DatabaseUnavailable` (503 `database_unavailable`), so a stuck or unreachable database gives a
 * clear answer instead of a hang or a 500:
 *
 * - no connection within the connect timeout (pg-pool's `connectionTimeoutMillis`: opening one,
 *   or waiting for a free one when every connection is busy);
 * - a statement past the server's `statement_timeout` (SQLSTATE 57014), a lock timeout (55P03);
 * - no answer at all within the client's read timeout (pg's `query_timeout`), when the network or
 *   the server stalls and the server's own timeout can never arrive;
 * - a connection refused, reset or closed by the server (shutdown, too many connections).
 *
 * A connection that failed in the last two ways is broken: every later query on it fails at once
 * (so a transaction's rollback does not wait a second timeout), and it is destroyed on release
 * rather than handed to the next request.
 */
import type pg from 'pg';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { DatabaseUnavailable } from '../../errors.js';

/** SQLSTATEs after which the connection is still fine: the server cancelled the statement itself. */
const CANCELLED = new Set(['57014', '55P03']);
/** SQLSTATEs of a server that will not serve (shutting down, starting, full), and class 08, connection exceptions. */
const REFUSING = /^(08...|57P0[123]|53300)$/;
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's and pg-pool's own messages for timeouts and lost connections (they carry no code). */
const LOST = /^(Query read timeout|timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|timeout expired)/;

/** How `error` from pg counts: the statement was cancelled, the connection is lost, or neither. */
export function classifyPostgresError(error: unknown): 'cancelled' | 'lost' | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (CANCELLED.has(code)) return 'cancelled';
    if (REFUSING.test(code) || SOCKET_ERRORS.has(code)) return 'lost';
  }
  return typeof message === 'string' && LOST.test(message) ? 'lost' : undefined;
}

function unavailable(error: unknown, how: 'cancelled' | 'lost'): DatabaseUnavailable {
  const text = error instanceof Error ? error.message : String(error);
  return new DatabaseUnavailable({ detail: `PostgreSQL ${how === 'cancelled' ? 'cancelled the statement' : 'connection lost or timed out'}: ${text}`, cause: error });
}

/** `error` as DatabaseUnavailable when the database failed to answer; otherwise `error` itself. */
function translate(error: unknown): unknown {
  const how = classifyPostgresError(error);
  return how === undefined ? error : unavailable(error, how);
}

/**
 * Wraps `pool` for Kysely's PostgresDialect.
 *
 * @example
 * new PostgresDialect({ pool: guardPool(new pg.Pool({ connectionTimeoutMillis: 5000, query_timeout: 10500 })) })
 */
export function guardPool(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translate(error);
      }
      let broken: DatabaseUnavailable | undefined;
      const guarded = {
        query(sqlOrCursor: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) {
          if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never);
          if (broken !== undefined) return Promise.reject(broken);
          return (client.query(sqlOrCursor, parameters as unknown[]) as Promise<PostgresQueryResult<unknown>>).catch((error: unknown) => {
            const how = classifyPostgresError(error);
            if (how === undefined) throw error;
            const failure = unavailable(error, how);
            if (how === 'lost') broken = failure;
            throw failure;
          });
        },
        release() {
          // A truthy argument makes pg-pool destroy the connection instead of reusing it.
          client.release(broken);
        },
      };
      return guarded as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
