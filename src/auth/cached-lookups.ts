/**
 * The store reads a credential check makes, answered from memory while the revocation epoch
 * stands: the API key by hash, the records revocation looks at (API key, authentication key, auth
 * rule, refresh family, user), the authentication key of a user token and the auth rules of an
 * issuer. Each read through Kysely and SQLite costs more than the signature check of an HS256
 * user token or the hash of an API key (docs/benchmarks.md).
 *
 * The same rule as the verified-credential cache (verified-credential-cache.ts), so no decision
 * changes beyond the documented bound:
 * - every entry is dropped when the revocation epoch moves (revocation-epoch.ts): any revocation,
 *   and any creation of an API key, authentication key or auth rule, in this process at once and
 *   in the others through Redis or the database poll, sends every check back to the store;
 * - an entry is kept only if the epoch did not move while it was being read, so a read that raced
 *   a revocation is never remembered as current;
 * - an entry is used for at most half of `maxAgeMs` (THREADGATE_CACHE_MAX_AGE_MS) after it was
 *   read, whatever the epoch says: the verified-credential cache keeps what it built from these
 *   reads for the other half at most, so no cached decision rests on a read older than `maxAgeMs`,
 *   even when no epoch move arrives (Redis cut and the poll off or failing, a process that died
 *   between a revocation and the epoch write);
 * - "not found" is remembered only for the three reads a forged credential makes (an API key by
 *   hash, an authentication key by a made-up `ak_` kid, the auth rules of a made-up issuer), so a
 *   flood of one forged credential costs one query, in a map of its own (bounded like the other,
 *   so misses never push out what is found; keys longer than 512 characters are not kept). Creating
 *   an API key, authentication key or auth rule moves the epoch, so one created after a miss is
 *   found at once in this process and within the epoch's bound in the others. Other credentials
 *   are never remembered as not found. A user's row is remembered even when absent: an absent row
 *   and one without `tokensValidAfter` mean the same (no user-wide revocation), and
 *   `tokensValidAfter` is only ever set by a user's revocation, whose `user.revoked` event moves
 *   the epoch (modules/users; the platform's `upsertUser` of an anonymous user sets none);
 * - an inspection (`isTracing()`) reads the store, so its trace shows the real state.
 *
 * `touchApiKey` goes to the store and updates the remembered key's `lastUsedAt`, so `last_used_at`
 * is still written at most once a minute per key (api-key.ts), not on every check.
 *
 * Bound: `maxEntries` (THREADGATE_TOKEN_CACHE_SIZE, the verified-credential cache's setting;
 * 0 turns this off too) found records, and as many misses; when full the oldest entry not used
 * since it was last considered goes (cache/bounded-cache.ts). An
 * entry is one record (under 2 KiB; an auth rule with many required claims can be more), one short
 * index string, or one miss (its key, at most 512 characters).
 */
import type { AuthLookups } from './credential-records.js';
import { isTracing } from './trace.js';
import { deepFreeze } from '../deep-freeze.js';
import { BoundedCache } from './cache/bounded-cache.js';

export interface CachedLookupsOptions {
  /** Most entries kept (THREADGATE_TOKEN_CACHE_SIZE), and as many misses; 0 returns the store unchanged. */
  maxEntries: number;
  /** The current revocation epoch. */
  epoch: () => number;
  /** THREADGATE_CACHE_MAX_AGE_MS: an entry is used for half of this at most. Default: no age bound. */
  maxAgeMs?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
}

/** The reads that are cached, all of which the verifier makes. */
type CachedRead = 'findApiKeyByHash' | 'getApiKey' | 'getAuthKey' | 'getAuthRule' | 'findAuthRulesByIssuer' | 'getRefreshFamily' | 'getUser';

/** When a result may be kept (see the file comment for why each is safe). */
const KEEP: Record<CachedRead, (value: unknown) => boolean> = {
  findApiKeyByHash: (value) => value !== undefined,
  getApiKey: (value) => value !== undefined,
  getAuthKey: (value) => value !== undefined,
  getAuthRule: (value) => value !== undefined,
  findAuthRulesByIssuer: (value) => Array.isArray(value) && value.length > 0,
  getRefreshFamily: (value) => value !== undefined,
  getUser: () => true,
};

/** The reads whose "not found" is remembered (in the misses map): those a forged credential makes. */
const MISS_KEPT: ReadonlySet<CachedRead> = new Set(['findApiKeyByHash', 'getAuthKey', 'findAuthRulesByIssuer']);

/** Longest key of a remembered miss (an issuer is the attacker's text). */
const MAX_MISS_KEY_LENGTH = 512;

/** A remembered `undefined` (a user without a row). */
const ABSENT = Symbol('absent');

/** A remembered read: the value, and when it was read (ms). */
interface Remembered {
  value: unknown;
  readAt: number;
}

/**
 * Returns a view of `store` whose credential reads are cached (see the file comment); every other
 * method is the store's own. Give it to the authenticator only.
 *
 * @example
 * const authenticator = createAuthenticator({ store: withCachedLookups(store, { maxEntries: 10_000, epoch: epoch.current, maxAgeMs: 30_000 }), keyring, config })
 */
export function withCachedLookups<S extends AuthLookups>(store: S, options: CachedLookupsOptions): S {
  if (options.maxEntries <= 0) return store;
  const clock = options.clock ?? Date.now;
  /** An entry read longer ago than this is read again (half the max age: see the file comment). */
  const usableMs = (options.maxAgeMs ?? Number.POSITIVE_INFINITY) / 2;
  const entries = new BoundedCache<string, Remembered>(options.maxEntries);
  const misses = new BoundedCache<string, Remembered>(options.maxEntries);
  let entriesEpoch = options.epoch();

  /** Empties both caches when the epoch moved. */
  function sync(): void {
    const epoch = options.epoch();
    if (epoch !== entriesEpoch) {
      entries.clear();
      misses.clear();
      entriesEpoch = epoch;
    }
  }

  /** The remembered entry under `key` in `map`, if still young enough. */
  function lookUp(map: BoundedCache<string, Remembered>, key: string): Remembered | undefined {
    const hit = map.get(key);
    if (hit === undefined) return undefined;
    if (clock() - hit.readAt >= usableMs) {
      map.delete(key);
      return undefined;
    }
    return hit;
  }

  function remember(key: string, value: unknown, readUnder: number, readAt: number, miss = false): void {
    // The epoch moved while the store was read: the value may predate a revocation.
    if (options.epoch() !== readUnder) return;
    sync();
    (miss ? misses : entries).set(key, { value, readAt });
  }

  function cached<A extends unknown[], T>(name: CachedRead, read: (...args: A) => Promise<T>, keyOf: (...args: A) => string) {
    const keep = KEEP[name];
    const keepMiss = MISS_KEPT.has(name);
    return async (...args: A): Promise<T> => {
      if (isTracing()) return read(...args);
      const key = `${name}\n${keyOf(...args)}`;
      sync();
      const hit = lookUp(entries, key) ?? (keepMiss ? lookUp(misses, key) : undefined);
      if (hit !== undefined) return (hit.value === ABSENT ? undefined : hit.value) as T;
      const readUnder = entriesEpoch;
      const readAt = clock();
      const value = await read(...args);
      if (keep(value)) {
        remember(key, value === undefined ? ABSENT : deepFreeze(value), readUnder, readAt);
        if (name === 'findApiKeyByHash') remember(`apiKeyHash\n${(value as { id: string }).id}`, key, readUnder, readAt);
      } else if (keepMiss && key.length <= MAX_MISS_KEY_LENGTH) {
        remember(key, value === undefined ? ABSENT : deepFreeze(value), readUnder, readAt, true);
      }
      return value;
    };
  }

  const wrapped: Record<string, unknown> = { ...(store as unknown as Record<string, unknown>) };
  const project = (projectId: string | undefined) => projectId ?? '*';
  Object.assign(wrapped, {
    findApiKeyByHash: cached('findApiKeyByHash', store.findApiKeyByHash.bind(store), (hash: string) => hash),
    getApiKey: cached('getApiKey', store.getApiKey.bind(store), (projectId: string, id: string) => `${projectId}\n${id}`),
    getAuthKey: cached('getAuthKey', store.getAuthKey.bind(store), (projectId: string | undefined, id: string) => `${project(projectId)}\n${id}`),
    getAuthRule: cached('getAuthRule', store.getAuthRule.bind(store), (projectId: string | undefined, id: string) => `${project(projectId)}\n${id}`),
    findAuthRulesByIssuer: cached('findAuthRulesByIssuer', store.findAuthRulesByIssuer.bind(store), (projectId: string | undefined, issuer: string) => `${project(projectId)}\n${issuer}`),
    getRefreshFamily: cached('getRefreshFamily', store.getRefreshFamily.bind(store), (projectId: string, id: string) => `${projectId}\n${id}`),
    getUser: cached('getUser', store.getUser.bind(store), (projectId: string, userId: string) => `${projectId}\n${userId}`),
    async touchApiKey(id: string, at: number): Promise<void> {
      await store.touchApiKey(id, at);
      sync();
      const hashKey = entries.peek(`apiKeyHash\n${id}`)?.value as string | undefined;
      const remembered = hashKey === undefined ? undefined : entries.peek(hashKey);
      const record = remembered?.value as { lastUsedAt: number | null } | undefined;
      if (hashKey !== undefined && remembered !== undefined && record !== undefined && (record.lastUsedAt === null || record.lastUsedAt < at)) {
        // Same read time: touching a key does not make what was read about it any younger.
        entries.set(hashKey, { value: Object.freeze({ ...record, lastUsedAt: at }), readAt: remembered.readAt });
      }
    },
  });
  return Object.freeze(wrapped) as unknown as S;
}
