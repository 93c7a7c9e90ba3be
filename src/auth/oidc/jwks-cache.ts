/**
 * One identity provider's JWKS, cached in memory (the Couchbase Agent Memory model, with a bound on
 * how often the provider can be made to answer):
 *
 * - the document is fetched on first use and kept; keys rotated at the provider are picked up
 *   without a restart, because a `kid` the cache does not hold triggers a refetch;
 * - **single flight**: concurrent requests that need a fetch share the one in progress;
 * - **cooldown**: two fetches start at least `cooldownMs` apart (THREADGATE_JWKS_COOLDOWN_MS, default
 *   30 s), whatever happens, so a flood of made-up `kid`s costs the provider at most one fetch per
 *   cooldown. A failed fetch counts too, so an offline provider is not hammered either;
 * - **stale but usable**: once the document is older than `maxAgeMs` (default 10 minutes) the next
 *   use starts a refresh in the background and is answered from the cache; keys the provider has
 *   removed stop working after that refresh;
 * - a document that is not a JWKS at all (not JSON, not `{keys: [...]}`) counts as a failed fetch
 *   and the cached one stays;
 * - **one bad key does not take the provider down**: a key Threadgate can never use (a secret `oct`
 *   key, private members, an unknown `kty` such as a post-quantum one, a malformed key, `use: enc`,
 *   an `alg` the key cannot serve, RSA under 2048 bits: local-key-set.ts) is skipped and the other
 *   keys are kept. Each skipped key is reported once (`onKeySkipped`) when a fetched document first
 *   holds it, not per request nor per refetch of the same document; its `kid` answers
 *   `unknown_signing_key` without a refetch (the provider has published it; asking again would not
 *   make it usable; a fixed key under the same kid is picked up by the next refresh).
 *
 * Offline behaviour, exactly:
 * | cache | the token's `kid` | fetch allowed? | answer |
 * |---|---|---|---|
 * | has keys | in the cache | (no fetch needed) | the cached key verifies (for as long as the process lives) |
 * | has keys | not in the cache | yes | refetch; found → verifies; still absent, or the fetch failed → `unknown_signing_key` |
 * | has keys | not in the cache | no (cooling down) | `unknown_signing_key` at once, no fetch |
 * | empty | any | yes | fetch; failed → `provider_unavailable` (503) |
 * | empty | any | no (a fetch failed less than `cooldownMs` ago) | `provider_unavailable` at once, with `Retry-After` |
 *
 * A `kid` that the document lists but whose key does not fit the rule (RSA under 2048 bits,
 * `use: enc`, wrong curve...: local-key-set.ts) is `unknown_signing_key` without a refetch: the
 * provider has the key, and asking again would not make it usable.
 *
 * If a provider replaces key material but keeps the `kid`, the old key is used until the
 * document is refreshed (at most `maxAgeMs` later).
 */
import { JwksUnavailable, UnknownKeyId } from '../../errors.js';
import type { JwsHeader } from '../jwt-strict.js';
import { createLocalKeySet, skippedKeys, type SkippedKey } from '../local-key-set.js';
import { traceStep } from '../trace.js';
import type { KeyResolver, ResolvedKey } from '../verify-jws.js';

export interface JwksCacheOptions {
  /** The JWKS URL (for error details and logs only; `fetchJwks` does the fetching). */
  url: string;
  /** Fetches and parses the document; throws when the provider cannot be reached. */
  fetchJwks: () => Promise<unknown>;
  /** Least time between the starts of two fetches, in ms (default 30 000). */
  cooldownMs?: number;
  /** Age in ms after which the document is refreshed in the background on next use (default 600 000). */
  maxAgeMs?: number;
}

export interface JwksCacheDeps {
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** Told about each fetch that fails (for logs). */
  onFetchError?: (url: string, error: unknown) => void;
  /** Told about each key that can never be used, once, when a fetched document first holds it (for logs). */
  onKeySkipped?: (url: string, key: SkippedKey) => void;
}

export interface JwksCache {
  /**
   * The key for `header.kid` that fits `algorithms`. Throws `UnknownKeyId`, `JwksUnavailable`, or
   * `TokenInvalid` (the key is not for the token's `alg`), as the table above says.
   */
  resolveKey(header: JwsHeader, algorithms: readonly string[]): Promise<ResolvedKey>;
  /** Fetches now unless cooling down or a fetch is in flight (then joins it); true when keys are cached afterwards. */
  refresh(): Promise<boolean>;
  /** How many fetches were started (for tests and metrics). */
  readonly fetchCount: number;
}

interface Document {
  jwks: unknown;
  kids: ReadonlySet<string>;
  fetchedAt: number;
  /** Key sets by the rule's algorithm list (each rule admits only the keys that fit it). */
  resolvers: Map<string, KeyResolver>;
}

/**
 * @example
 * const cache = createJwksCache({ url, fetchJwks: () => fetchJson(url, { timeoutMs: 5000, maxBytes: 131072 }) })
 * const { key, algorithm } = await cache.resolveKey(header, ['RS256'])
 */
export function createJwksCache(options: JwksCacheOptions, deps: JwksCacheDeps = {}): JwksCache {
  const clock = deps.clock ?? Date.now;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  if (!(cooldownMs >= 0) || !(maxAgeMs >= 0)) throw new TypeError('createJwksCache: cooldownMs and maxAgeMs must be ≥ 0');
  let doc: Document | undefined;
  let lastAttemptAt: number | undefined;
  let lastFailed = false;
  let inflight: Promise<boolean> | undefined;
  let fetchCount = 0;
  /** The skipped keys of the cached document, as reported: kid (or index when it has none) and reason. */
  let reportedSkips = new Set<string>();

  const coolingDown = () => lastAttemptAt !== undefined && clock() - lastAttemptAt < cooldownMs;

  function fetchNow(): Promise<boolean> {
    if (inflight !== undefined) return inflight;
    lastAttemptAt = clock();
    fetchCount++;
    inflight = (async () => {
      try {
        const jwks = await options.fetchJwks();
        // Throws (TypeError) for a document that is not a JWKS; lists the keys that are skipped.
        const skipped = skippedKeys(jwks);
        const keys = (jwks as { keys: unknown[] }).keys;
        const kids = new Set(keys.map((key) => (key as { kid?: unknown } | null)?.kid).filter((kid): kid is string => typeof kid === 'string'));
        doc = { jwks, kids, fetchedAt: clock(), resolvers: new Map() };
        lastFailed = false;
        // Reported once per key: a refetch of the same document says nothing new.
        const reported = new Set<string>();
        for (const key of skipped) {
          const id = `${key.kid ?? `#${key.index}`}\n${key.reason}`;
          reported.add(id);
          if (!reportedSkips.has(id)) deps.onKeySkipped?.(options.url, key);
        }
        reportedSkips = reported;
        return true;
      } catch (error) {
        lastFailed = true;
        deps.onFetchError?.(options.url, error);
        return false;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  /** Joins the fetch in flight, or starts one unless cooling down. True when a fetch ran (and was joined). */
  async function fetchIfAllowed(): Promise<boolean> {
    if (inflight !== undefined) {
      await inflight;
      return true;
    }
    if (coolingDown()) return false;
    await fetchNow();
    return true;
  }

  function retryAfterSeconds(): string {
    const remaining = lastAttemptAt === undefined ? 0 : cooldownMs - (clock() - lastAttemptAt);
    return String(Math.max(1, Math.ceil(remaining / 1000)));
  }

  function resolverFor(current: Document, algorithms: readonly string[]): KeyResolver {
    const cacheKey = algorithms.join(',');
    let resolver = current.resolvers.get(cacheKey);
    if (resolver === undefined) {
      resolver = createLocalKeySet(current.jwks, { algorithms, publicOnly: true });
      current.resolvers.set(cacheKey, resolver);
    }
    return resolver;
  }

  return {
    async resolveKey(header, algorithms) {
      const kid = header.kid;
      if (kid === undefined) throw new UnknownKeyId({ message: 'The token names no signing key (kid).' });
      if (doc === undefined) {
        await fetchIfAllowed();
        if (doc === undefined) {
          traceStep('provider keys (JWKS)', false, 'no cached keys and the provider is unreachable');
          throw new JwksUnavailable({
            detail: `JWKS ${options.url}: no cached keys; ${lastFailed ? 'the last fetch failed' : 'not fetched yet'}`,
            headers: { 'Retry-After': retryAfterSeconds() },
          });
        }
      } else if (!doc.kids.has(kid)) {
        const fetched = await fetchIfAllowed();
        if (!doc.kids.has(kid)) {
          const why = !fetched ? 'cooling down: no refetch' : lastFailed ? 'the refetch failed' : 'not in the refetched document';
          traceStep('provider keys (JWKS)', false, () => `kid not published (${why})`);
          throw new UnknownKeyId({ detail: `JWKS ${options.url}: kid not published (${why})` });
        }
      } else if (clock() - doc.fetchedAt >= maxAgeMs && !coolingDown() && inflight === undefined) {
        // Stale: answer from the cache now, refresh for the next request.
        void fetchNow();
      }
      const { fetchedAt } = doc;
      traceStep('provider keys (JWKS)', true, () => `cached ${Math.round((clock() - fetchedAt) / 1000)} s ago`);
      return resolverFor(doc, algorithms)(header);
    },
    async refresh() {
      await fetchIfAllowed();
      return doc !== undefined;
    },
    get fetchCount() {
      return fetchCount;
    },
  };
}
