/**
 * The store reads a credential check makes, answered from memory while the revocation epoch
 * stands: the API key by hash, the records revocation looks at (API key, authentication key, auth
 * rule, refresh family, user), the authentication key of a user token and the auth rules of an
 * issuer. Each read through Kysely and SQLite costs tens of microseconds, more than the signature
 * check of an HS256 user token or the hash of an API key (bench/verify-micro.ts).
 *
 * The same rule as the verified-credential cache (verified-credential-cache.ts), so no decision
 * changes:
 * - every entry is dropped when the revocation epoch moves (revocation-epoch.ts): any revocation,
 *   in this process at once and in the others through Redis or polling, sends every check back to
 *   the store, so a revoked credential is refused on the request right after the event as before;
 * - an entry is kept only if the epoch did not move while it was being read, so a read that raced
 *   a revocation is never remembered as current;
 * - "not found" is never remembered for a credential (API key, authentication key, auth rule,
 *   refresh family), so one created after a miss is found at once. The auth rules of an issuer are
 *   remembered only when there are some, and creating a rule moves the epoch (a new rule for a
 *   known issuer changes the list). A user's row is remembered even when absent: an absent row and
 *   one without `tokensValidAfter` mean the same (no user-wide revocation), and `tokensValidAfter`
 *   is only ever set by calls that move the epoch (`revokeUserTokens`, `upsertUser` with one);
 * - an inspection (`isTracing()`) reads the store, so its trace shows the real state.
 *
 * `touchApiKey` goes to the store and updates the remembered key's `lastUsedAt`, so `last_used_at`
 * is still written at most once a minute per key (api-key.ts), not on every check.
 *
 * Bound: `maxEntries` (THREADGATE_TOKEN_CACHE_SIZE, the verified-credential cache's setting;
 * 0 turns this off too); when full the oldest entry goes. An entry is one record (under 2 KiB;
 * an auth rule with many required claims can be more) or one short index string.
 */
import type { Store } from '../store/store.js';
import { isTracing } from './trace.js';
import { deepFreeze } from '../deep-freeze.js';

export interface CachedLookupsOptions {
  /** Most entries kept (THREADGATE_TOKEN_CACHE_SIZE); 0 returns the store unchanged. */
  maxEntries: number;
  /** The current revocation epoch. */
  epoch: () => number;
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

/** A remembered `undefined` (a user without a row). */
const ABSENT = Symbol('absent');

/**
 * Returns a view of `store` whose credential reads are cached (see the file comment); every other
 * method is the store's own. Give it to the authenticator only.
 *
 * @example
 * const authenticator = createAuthenticator({ store: withCachedLookups(store, { maxEntries: 10_000, epoch: epoch.current }), keyring, config })
 */
export function withCachedLookups<S extends Store>(store: S, options: CachedLookupsOptions): S {
  if (options.maxEntries <= 0) return store;
  let entries = new Map<string, unknown>();
  let entriesEpoch = options.epoch();

  /**
   * The eviction hand: a live iterator over `entries`, left where the last eviction stopped, so
   * it always points at the oldest entry. Starting a new iterator each time would walk over every
   * deleted slot at the front of V8's table first (microseconds per eviction on a full cache).
   */
  let oldest: Iterator<string> | undefined;

  /** The entries of the current epoch: a moved epoch empties the cache. */
  function current(): Map<string, unknown> {
    const epoch = options.epoch();
    if (epoch !== entriesEpoch) {
      entries = new Map();
      entriesEpoch = epoch;
      oldest = undefined;
    }
    return entries;
  }

  function evictOldest(map: Map<string, unknown>): void {
    oldest ??= map.keys();
    let next = oldest.next();
    if (next.done === true) {
      oldest = map.keys();
      next = oldest.next();
    }
    if (next.done !== true) map.delete(next.value);
  }

  function remember(key: string, value: unknown, readUnder: number): void {
    // The epoch moved while the store was read: the value may predate a revocation.
    if (options.epoch() !== readUnder) return;
    const map = current();
    map.delete(key);
    map.set(key, value);
    if (map.size > options.maxEntries) evictOldest(map);
  }

  function cached<A extends unknown[], T>(name: CachedRead, read: (...args: A) => Promise<T>, keyOf: (...args: A) => string) {
    const keep = KEEP[name];
    return async (...args: A): Promise<T> => {
      if (isTracing()) return read(...args);
      const key = `${name}\n${keyOf(...args)}`;
      const hit = current().get(key);
      if (hit !== undefined) return (hit === ABSENT ? undefined : hit) as T;
      const readUnder = entriesEpoch;
      const value = await read(...args);
      if (keep(value)) {
        remember(key, value === undefined ? ABSENT : deepFreeze(value), readUnder);
        if (name === 'findApiKeyByHash') remember(`apiKeyHash\n${(value as { id: string }).id}`, key, readUnder);
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
      const map = current();
      const hashKey = map.get(`apiKeyHash\n${id}`) as string | undefined;
      const record = hashKey === undefined ? undefined : (map.get(hashKey) as { lastUsedAt: number | null } | undefined);
      if (hashKey !== undefined && record !== undefined && (record.lastUsedAt === null || record.lastUsedAt < at)) {
        map.set(hashKey, Object.freeze({ ...record, lastUsedAt: at }));
      }
    },
  });
  return Object.freeze(wrapped) as unknown as S;
}
