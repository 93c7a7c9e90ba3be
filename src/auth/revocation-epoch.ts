/**
 * The revocation epoch: a value that changes whenever any credential is revoked (an API key, a
 * session family, a user's tokens, an authentication key, an auth rule). The verified-credential
 * cache remembers the epoch each entry was verified under, and re-verifies an entry in full when
 * the epoch has moved, so a cached acceptance never outlives a revocation.
 *
 * How fast another process learns of a revocation (documented in docs/configuration.md):
 * - the process that revoked: at once (the epoch moves before the revoking call returns);
 * - other processes, with REDIS_URL: when the Redis message arrives (milliseconds);
 * - other processes without Redis (e.g. `threadgate api-keys revoke` beside a SQLite server):
 *   within THREADGATE_REVOCATION_POLL_MS, when the stored epoch is polled.
 */
import type { Redis } from 'ioredis';
import { createId } from '../crypto/random-id.js';
import type { Store, UserRecord } from '../store/store.js';

export const REVOCATION_EPOCH_SETTING = 'revocation_epoch';

export interface RevocationEpoch {
  /** The current epoch (a local counter; compare for equality only). */
  current(): number;
  /** Records a revocation made by this process: bumps at once and tells the others. */
  revoked(): Promise<void>;
  close(): Promise<void>;
}

export interface RevocationEpochOptions {
  store: Store;
  /** A Redis connection for publishing, or null. */
  redis: Redis | null;
  /** A second Redis connection for subscribing (a subscribed connection can do nothing else). */
  subscriber: Redis | null;
  redisKeyPrefix: string;
  /** How often to poll the stored epoch (ms); 0 turns polling off. */
  pollMs: number;
}

/**
 * @example
 * const epoch = await createRevocationEpoch({ store, redis: null, subscriber: null, redisKeyPrefix: 'threadgate:', pollMs: 1000 })
 */
export async function createRevocationEpoch(options: RevocationEpochOptions): Promise<RevocationEpoch> {
  const { store, redis, subscriber } = options;
  const channel = `${options.redisKeyPrefix}revocations`;
  let local = 0;
  let stored = await store.getSetting(REVOCATION_EPOCH_SETTING);

  if (subscriber !== null) {
    await subscriber.subscribe(channel);
    subscriber.on('message', (from) => {
      if (from === channel) local++;
    });
  }
  let polling: NodeJS.Timeout | undefined;
  if (options.pollMs > 0) {
    polling = setInterval(() => {
      store.getSetting(REVOCATION_EPOCH_SETTING).then(
        (value) => {
          if (value !== stored) {
            stored = value;
            local++;
          }
        },
        () => {
          // The store is unreachable: then so is every credential check; nothing to do here.
        },
      );
    }, options.pollMs);
    polling.unref();
  }

  return {
    current: () => local,
    async revoked() {
      local++;
      const value = createId('epoch');
      stored = value;
      await store.putSetting(REVOCATION_EPOCH_SETTING, value);
      if (redis !== null) await redis.publish(channel, value);
    },
    async close() {
      if (polling !== undefined) clearInterval(polling);
      if (subscriber !== null) await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}

/**
 * The store methods that revoke a credential, plus `insertAuthRule`: a new rule for an issuer
 * changes the rules a cached issuer lookup answers (cached-lookups.ts), so it empties the caches
 * too. (Other creations need not: a new API key, authentication key or refresh family has an id
 * or hash that no cached "not found" can hide, since none is remembered.)
 */
const REVOKING_METHODS = ['revokeApiKey', 'revokeRefreshFamily', 'revokeUserTokens', 'deleteAuthKey', 'deleteAuthRule', 'updateAuthRule', 'insertAuthRule'] as const;

/**
 * Wraps a store so every revoking call (and the creation of an auth rule) moves the epoch once it
 * has succeeded. Every revocation path (admin API, CLI, refresh-token reuse, claim) goes through
 * the store, so none can forget it.
 */
export function withRevocationEvents<S extends Store>(store: S, epoch: Pick<RevocationEpoch, 'revoked'>): S {
  // The store is a frozen object of closures (kysely-store.ts), so a copy with the revoking
  // methods replaced behaves like the original.
  const wrapped: Record<string, unknown> = { ...(store as unknown as Record<string, unknown>) };
  for (const name of REVOKING_METHODS) {
    const method = (store as unknown as Record<string, unknown>)[name];
    if (typeof method !== 'function') continue;
    wrapped[name] = async (...args: unknown[]) => {
      const result: unknown = await method.apply(store, args);
      await epoch.revoked();
      return result;
    };
  }
  // An upsert that sets `tokensValidAfter` revokes the user's earlier tokens, as revokeUserTokens
  // does; the usual upsert (a new anonymous user, none set) does not move the epoch.
  const upsertUser = store.upsertUser;
  if (typeof upsertUser === 'function') {
    wrapped.upsertUser = async (record: UserRecord) => {
      await upsertUser.call(store, record);
      if (record.tokensValidAfter !== null) await epoch.revoked();
    };
  }
  return Object.freeze(wrapped) as unknown as S;
}
