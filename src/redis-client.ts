/**
 * Every Redis connection Threadgate opens (the server's commands, its revocation subscriber, the
 * CLI's) is made here, so all have the same short timeouts and report through pino.
 *
 * Redis only makes Threadgate faster and shares its counters between processes; the database is
 * the truth. So a Redis that is down or slow must cost a request little:
 *
 * - `connectTimeout` 2 s, and reconnecting forever with a backoff of at most 2 s;
 * - `commandTimeout` 1 s: a command on a connection that hangs (a peer gone without a reset)
 *   fails after a second instead of waiting for TCP to notice;
 * - `maxRetriesPerRequest` 1: a command sent while disconnected waits for one reconnection
 *   attempt at most (and never longer than `commandTimeout`), then fails; the offline queue stays
 *   on so that a command sent while the connection is still being made at start, or during a
 *   blip, goes through;
 * - `disconnectTimeout` 0.5 s: closing a client whose connection is still being made keeps the
 *   process (a CLI command) alive for half a second at most;
 * - the rate limiters do not even send commands while the connection is not ready: they count in
 *   the process meanwhile (http/middleware/rate-limit.ts).
 *
 * Without an `error` listener ioredis prints every failed reconnection as plain text
 * ("[ioredis] Unhandled error event"). Here each client has one that logs through pino, once when
 * the connection is lost, at most once a minute while it stays down (with the number of errors
 * left out), and once when it is back.
 *
 * ioredis's own re-subscription after a reconnection is off (`autoResubscribe: false`): it sends
 * SUBSCRIBE without catching the reply, so a client closed while that reply is still under way (a
 * server shutting down just as Redis comes back) rejects it with "Connection is closed." as an
 * unhandled rejection. A subscriber goes through {@link keepSubscribed} instead, which subscribes
 * again on `ready` and hands every failure to the subscriber (auth/revocation-epoch.ts,
 * platform/events/bus.ts).
 *
 * Other code may listen to the client's own events too (`ready` after every reconnection, e.g.
 * to catch up on what was missed while disconnected).
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** What the connection is for; it names the connection in logs. */
export type RedisRole = 'server' | 'subscriber' | 'cli';

export const REDIS_CONNECT_TIMEOUT_MS = 2000;
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
export const REDIS_MAX_RECONNECT_DELAY_MS = 2000;
/** While Redis stays unreachable, at most one log line per client in this interval. */
export const REDIS_LOG_INTERVAL_MS = 60_000;

export interface RedisClientOptions {
  /** Connect on the first command rather than at once (the CLI: most commands never need Redis). */
  lazyConnect?: boolean;
  /** Milliseconds since the epoch, for the log interval. Default `Date.now`. */
  clock?: () => number;
}

/**
 * @example
 * const redis = createRedisClient(config.redisUrl, logger, 'server')
 * const subscriber = createRedisClient(config.redisUrl, logger, 'subscriber')
 */
export function createRedisClient(url: string, logger: Logger, role: RedisRole, options: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * attempt, REDIS_MAX_RECONNECT_DELAY_MS),
    // On disconnect(), how long a connection still being made may keep the process alive.
    disconnectTimeout: 500,
    lazyConnect: options.lazyConnect ?? false,
    // keepSubscribed subscribes again on `ready`, catching the failure (see the file comment).
    autoResubscribe: false,
  });
  watchConnection(client, logger.child({ redis: role }), options.clock ?? Date.now);
  return client;
}

/** A channel {@link keepSubscribed} holds. */
export interface KeptSubscription {
  /** The first subscription: settles once Redis has answered it, never rejects (a failure goes to `onError`). */
  readonly first: Promise<void>;
  /** Stops subscribing again on reconnection (the caller unsubscribes or closes the connection). */
  stop(): void;
}

/**
 * Subscribes `subscriber` to `channel` now and again after every reconnection (`ready`), since the
 * client does not re-subscribe by itself (see the file comment). A subscription that fails goes
 * to `onError` (Redis down: the next reconnection tries again); one made again after a
 * reconnection that Redis confirms calls `onResubscribed` (messages sent meanwhile were lost).
 *
 * @example
 * const kept = keepSubscribed(subscriber, 'threadgate:events', { onError: (error) => logger.warn({ err: error }, 'cannot subscribe') })
 * await kept.first
 * kept.stop()
 */
export function keepSubscribed(
  subscriber: Redis,
  channel: string,
  handlers: { onError(error: unknown): void; onResubscribed?(): void },
): KeptSubscription {
  let stopped = false;
  const onReady = () => {
    if (stopped) return;
    subscriber.subscribe(channel).then(() => handlers.onResubscribed?.(), handlers.onError);
  };
  subscriber.on('ready', onReady);
  return {
    first: subscriber.subscribe(channel).then(() => undefined, handlers.onError),
    stop() {
      stopped = true;
      subscriber.off('ready', onReady);
    },
  };
}

/**
 * The `error` listener and the rate-limited connection log: `Redis unreachable` (warn) once per
 * outage, `Redis still unreachable` (warn) at most once per {@link REDIS_LOG_INTERVAL_MS}, and
 * `Redis reachable again` (info). Only the error's message and code are logged (never the URL,
 * which may hold a password).
 */
function watchConnection(client: Redis, logger: Logger, clock: () => number): void {
  let down = false;
  let lastLoggedAt = 0;
  let unlogged = 0;
  const describe = (error: Error & { code?: unknown }) => ({ message: error.message, ...(typeof error.code === 'string' ? { code: error.code } : {}) });
  const lost = (error: { message: string; code?: string } | undefined) => {
    const now = clock();
    if (!down) {
      down = true;
      lastLoggedAt = now;
      unlogged = 0;
      logger.warn({ error }, 'Redis unreachable: retrying in the background');
    } else if (now - lastLoggedAt >= REDIS_LOG_INTERVAL_MS) {
      logger.warn({ error, errorsSinceLastLog: unlogged }, 'Redis still unreachable');
      lastLoggedAt = now;
      unlogged = 0;
    } else {
      unlogged++;
    }
  };
  client.on('error', (error: Error) => lost(describe(error)));
  // A connection closed without an error (Redis shut down cleanly) is lost all the same;
  // `reconnecting` is not emitted after `disconnect()`.
  client.on('reconnecting', () => {
    if (!down) lost({ message: 'connection closed' });
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ errorsSinceLastLog: unlogged }, 'Redis reachable again');
  });
}

/**
 * Waits for Redis commands still under way (messages being published), `ms` at most: a closing
 * process gives its last messages a chance without hanging on a Redis that is cut.
 *
 * @example
 * await settleWithin(publishing, 2000)
 */
export async function settleWithin(pending: ReadonlySet<Promise<unknown>>, ms: number): Promise<void> {
  if (pending.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.allSettled([...pending]), waited]);
  clearTimeout(timer);
}
