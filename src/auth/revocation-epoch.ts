/**
 * The revocation epoch: a value that changes whenever any credential is revoked (an API key, a
 * session family, a user's tokens, an authentication key, an auth rule), changed (an
 * authentication key's agents or user fields, an auth rule) or created (an API key, an
 * authentication key, an auth rule: a remembered "not found" could hide it, cached-lookups.ts).
 * The caches remember the epoch each entry was made under and drop an entry once it has moved, so
 * a cached acceptance does not outlive a revocation or a change.
 *
 * The database is the truth; Redis only makes it fast. A revocation is the store write: once it is
 * stored the revoking call succeeds, and the epoch's own write (a setting) and Redis message are
 * best effort (a failure is logged, never turned into an error). Other processes learn of it:
 * - the process that revoked: at once (the epoch moves before the revoking call returns);
 * - with REDIS_URL: when the Redis message arrives (milliseconds);
 * - always (Redis or not, and whatever happened to a message): within THREADGATE_REVOCATION_POLL_MS,
 *   when the stored epoch is polled; and at once when the subscriber (re)connects, since messages
 *   sent while it was away are lost: once subscribed again, every cached decision is dropped;
 * - in the end, whatever fails (Redis cut and the poll off or failing, a process that died
 *   between its revocation and the epoch write): within THREADGATE_CACHE_MAX_AGE_MS, since no
 *   cached decision rests on an older database read (cached-lookups.ts, verified-credential-cache.ts).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createId } from '../crypto/random-id.js';
import { keepSubscribed, settleWithin } from '../redis-client.js';
import type { Store } from '../store/store.js';
import type { EventBus, EventType } from '../platform/events/bus.js';

export const REVOCATION_EPOCH_SETTING = 'revocation_epoch';

/** Longest `close` waits for Redis messages still under way (a CLI revocation's, say). */
const CLOSE_PUBLISH_WAIT_MS = 2000;

export interface RevocationEpoch {
  /** The current epoch (a local counter; compare for equality only). */
  current(): number;
  /**
   * Records a revocation made by this process: bumps at once (synchronously, before the first
   * await) and tells the others. Never throws. Called by the revocation subscriber (below).
   */
  revoked(): Promise<void>;
  close(): Promise<void>;
}

export interface RevocationEpochOptions {
  /** Where the epoch is stored (a setting), for the other processes' poll. */
  store: Pick<Store, 'getSetting' | 'putSetting'>;
  /** A Redis connection for publishing, or null. */
  redis: Redis | null;
  /** A second Redis connection for subscribing (a subscribed connection can do nothing else). */
  subscriber: Redis | null;
  redisKeyPrefix: string;
  /** How often to poll the stored epoch (ms), with or without Redis; 0 turns polling off. */
  pollMs: number;
  /** Where failures to tell other processes go (they never fail a revocation). */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/**
 * @example
 * const epoch = await createRevocationEpoch({ store, redis: null, subscriber: null, redisKeyPrefix: 'threadgate:', pollMs: 1000 })
 */
export async function createRevocationEpoch(options: RevocationEpochOptions): Promise<RevocationEpoch> {
  const { store, redis, subscriber, logger } = options;
  const channel = `${options.redisKeyPrefix}revocations`;
  let local = 0;
  let stored = await store.getSetting(REVOCATION_EPOCH_SETTING);
  /** Redis messages under way, awaited (briefly) by `close`. */
  const publishing = new Set<Promise<void>>();

  /** Reads the stored epoch; a change means another process revoked something. */
  let pollFailing = false;
  async function catchUp(): Promise<void> {
    try {
      const value = await store.getSetting(REVOCATION_EPOCH_SETTING);
      if (pollFailing) logger?.info('revocation epoch: the database answers again');
      pollFailing = false;
      if (value !== stored) {
        stored = value;
        local++;
      }
    } catch (error) {
      // Then every uncached check fails too; cached ones end within THREADGATE_CACHE_MAX_AGE_MS.
      if (!pollFailing) logger?.warn({ err: error }, 'revocation epoch: cannot read the stored epoch; cached decisions end within THREADGATE_CACHE_MAX_AGE_MS');
      pollFailing = true;
    }
  }

  const onMessage = (from: string) => {
    if (from === channel) local++;
  };
  // Subscribed now and after every reconnection (redis-client.ts). Once Redis has confirmed a
  // re-subscription, every cached decision goes: a message sent while the subscriber was away is
  // lost, but the revocation it announced is in the database, which every check now reads again;
  // a message sent from now on arrives. Redis down at start: the poll (and the max age) stand in
  // until a reconnection subscribes.
  subscriber?.on('message', onMessage);
  const subscription =
    subscriber === null
      ? undefined
      : keepSubscribed(subscriber, channel, {
          onError: (error) => logger?.warn({ err: error }, 'revocation epoch: cannot subscribe to Redis; polling the database meanwhile'),
          onResubscribed: () => {
            local++;
            void catchUp();
          },
        });
  await subscription?.first;
  let polling: NodeJS.Timeout | undefined;
  if (options.pollMs > 0) {
    // One read at a time: a database that hangs must not pile up a query per interval.
    let reading = false;
    polling = setInterval(() => {
      if (reading) return;
      reading = true;
      void catchUp().finally(() => (reading = false));
    }, options.pollMs);
    polling.unref();
  }

  return {
    current: () => local,
    async revoked() {
      local++;
      const value = createId('epoch');
      stored = value;
      try {
        await store.putSetting(REVOCATION_EPOCH_SETTING, value);
      } catch (error) {
        // The revocation itself is stored: other processes see it within THREADGATE_CACHE_MAX_AGE_MS.
        logger?.warn({ err: error }, 'revocation epoch: cannot store the epoch; other processes learn of this revocation within THREADGATE_CACHE_MAX_AGE_MS');
      }
      if (redis !== null) {
        // Not awaited: the revocation is stored, so the caller's success does not wait on Redis
        // (which may be cut); the others poll the database meanwhile.
        const sent: Promise<void> = redis.publish(channel, value).then(
          () => undefined,
          (error: unknown) => logger?.warn({ err: error }, 'revocation epoch: cannot publish to Redis; other processes learn of this revocation by polling the database'),
        );
        publishing.add(sent);
        void sent.finally(() => publishing.delete(sent));
      }
    },
    async close() {
      subscription?.stop();
      if (polling !== undefined) clearInterval(polling);
      await settleWithin(publishing, CLOSE_PUBLISH_WAIT_MS);
      if (subscriber !== null) {
        subscriber.off('message', onMessage);
        // Not awaited: with Redis cut it would wait for retries; closing the connection unsubscribes.
        subscriber.unsubscribe(channel).catch(() => undefined);
      }
    },
  };
}

/**
 * The domain events after which a cached decision may be wrong: every revocation (an API key, an
 * authentication key or an auth rule changed or deleted, a user, an anonymous session), and the
 * creations a remembered "not found" could hide (cached-lookups.ts): an API key, an authentication
 * key, an auth rule (a new rule for an issuer also changes what a cached issuer lookup answers). A
 * new session needs none: no "not found" is remembered for one.
 */
export const REVOKING_EVENTS = [
  'api_key.created',
  'api_key.revoked',
  'auth_key.created',
  'auth_key.updated',
  'auth_key.deleted',
  'auth_rule.created',
  'auth_rule.updated',
  'auth_rule.deleted',
  'user.revoked',
  'session.revoked',
] as const satisfies readonly EventType[];

/**
 * Makes the epoch a subscriber of the domain events: each revoking event this process publishes
 * moves it, synchronously, before `publish` returns, and the subscriber returns the epoch's write
 * (the stored epoch, the Redis message), which the publisher awaits with `publishAndWait` before it
 * answers success. Every path that revokes (admin API, CLI, refresh-token reuse, the anonymous
 * claim) publishes its event once its write is stored, so none can forget the epoch. Events of
 * other processes (`remote`) are ignored: their epoch reaches this one by its own Redis channel and
 * the stored-epoch poll, which keep working when the bus's at-most-once messages are lost.
 *
 * @example
 * const stop = subscribeRevocations(events, epoch)
 */
export function subscribeRevocations(bus: EventBus, epoch: Pick<RevocationEpoch, 'revoked'>): () => void {
  const stops = REVOKING_EVENTS.map((type) => bus.subscribe(type, (event) => (event.remote ? undefined : epoch.revoked())));
  return () => {
    for (const stop of stops) stop();
  };
}
