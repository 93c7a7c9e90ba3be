/**
 * Where each auth rule's verification keys come from, for the whole process: one JWKS cache per
 * JWKS URL (rules that share a provider share its cache, and so its fetch budget), and one OIDC
 * discovery per (discovery URL, issuer). Built once at start (server.ts) and handed to the
 * authenticator; it holds only public keys.
 *
 * The rule itself is read from the store on every request (a deleted or disabled rule stops
 * matching at once); only the provider's documents are cached here.
 */
import { JwksUnavailable, UnknownKeyId } from '../../errors.js';
import type { AuthRuleRecord } from '../credential-records.js';
import type { KeyResolver } from '../verify-jws.js';
import { createDiscovery, type Discovery, type DiscoveryBackoff } from './discovery.js';
import { fetchJson, type FetchLike } from './fetch-json.js';
import { createJwksCache, type JwksCache } from './jwks-cache.js';
import { providerUrlProblem } from './provider-url.js';

/** Largest discovery or JWKS document, in bytes (Entra ID's JWKS, with certificates, is ~10 KiB). */
export const MAX_PROVIDER_DOCUMENT_BYTES = 256 * 1024;

/** Most URL verdicts remembered (rules' and discovered JWKS URLs); past it they are forgotten. */
const MAX_REMEMBERED_URLS = 1000;

/** Longest `kid` we look up; a longer one is refused without touching the cache or the provider. */
export const MAX_KID_LENGTH = 256;

export interface ProviderKeysOptions {
  /** Least time between two fetches of one JWKS, ms (THREADGATE_JWKS_COOLDOWN_MS, default 30 000). */
  jwksCooldownMs: number;
  /** Timeout of each provider fetch, ms (THREADGATE_IDP_TIMEOUT_MS, default 5000). */
  fetchTimeoutMs: number;
  /** Plain-http provider URLs allowed (development, or THREADGATE_ALLOW_HTTP_IDP). Loopback always is. */
  allowHttp: boolean;
  /** JWKS documents older than this are refreshed in the background on next use, ms (default 600 000). */
  jwksMaxAgeMs?: number;
  discoveryBackoff?: DiscoveryBackoff;
}

/** Where log lines go (a pino logger fits). */
export interface ProviderKeysLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface ProviderKeysDeps {
  fetch?: FetchLike;
  clock?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: ProviderKeysLogger;
  /** Told the outcome of every JWKS fetch (metrics). */
  onJwksFetch?: (outcome: 'ok' | 'error') => void;
}

export interface ProviderKeys {
  /**
   * The key resolver of a rule: discovery (if the rule uses it), then the JWKS cache. Throws
   * `UnknownKeyId` (no `kid`, an unpublished one), `JwksUnavailable` (provider unreachable and no
   * cached keys) or `TokenInvalid` (key not for the token's `alg`).
   */
  resolverFor(rule: AuthRuleRecord): KeyResolver;
  /** Discovers and fetches the keys of these rules, retrying discovery with backoff; never throws. */
  warmUp(rules: readonly AuthRuleRecord[], options?: { discoveryAttempts?: number }): Promise<void>;
  /** Fetches started per JWKS URL (tests, metrics). */
  fetchCounts(): Record<string, number>;
}

/**
 * @example
 * const providerKeys = createProviderKeys({ jwksCooldownMs: 30_000, fetchTimeoutMs: 5000, allowHttp: false })
 * await verifyCompactJws(token, { algorithms: rule.algorithms, resolveKey: providerKeys.resolverFor(rule) })
 */
export function createProviderKeys(options: ProviderKeysOptions, deps: ProviderKeysDeps = {}): ProviderKeys {
  const policy = { allowHttp: options.allowHttp };
  const limits = { timeoutMs: options.fetchTimeoutMs, maxBytes: MAX_PROVIDER_DOCUMENT_BYTES };
  const get = (url: string) => fetchJson(url, limits, deps.fetch);
  const caches = new Map<string, JwksCache>();
  const onJwksFetch = deps.onJwksFetch;
  const countedFetch = (url: string) =>
    onJwksFetch === undefined
      ? get(url)
      : get(url).then(
          (document) => (onJwksFetch('ok'), document),
          (error: unknown) => {
            onJwksFetch('error');
            throw error;
          },
        );
  const discoveries = new Map<string, Discovery>();

  function cacheFor(url: string): JwksCache {
    let cache = caches.get(url);
    if (cache === undefined) {
      cache = createJwksCache(
        { url, fetchJwks: () => countedFetch(url), cooldownMs: options.jwksCooldownMs, ...(options.jwksMaxAgeMs !== undefined ? { maxAgeMs: options.jwksMaxAgeMs } : {}) },
        {
          ...(deps.clock !== undefined ? { clock: deps.clock } : {}),
          onFetchError: (jwksUrl, error) => deps.logger?.warn({ jwksUrl, reason: (error as Error)?.message }, 'identity provider JWKS fetch failed'),
          onKeySkipped: (jwksUrl, key) =>
            deps.logger?.warn({ jwksUrl, kid: key.kid, keyIndex: key.index, reason: key.reason }, 'identity provider JWKS key skipped: it can never be used; tokens naming it get unknown_signing_key'),
        },
      );
      caches.set(url, cache);
    }
    return cache;
  }

  function discoveryFor(discoveryUrl: string, issuer: string): Discovery {
    const key = `${discoveryUrl}\n${issuer}`;
    let discovery = discoveries.get(key);
    if (discovery === undefined) {
      discovery = createDiscovery(
        {
          discoveryUrl,
          issuer,
          fetchJson: get,
          checkUrl: (url) => providerUrlProblem(url, policy),
          ...(options.discoveryBackoff !== undefined ? { backoff: options.discoveryBackoff } : {}),
        },
        {
          ...(deps.clock !== undefined ? { clock: deps.clock } : {}),
          ...(deps.random !== undefined ? { random: deps.random } : {}),
          ...(deps.sleep !== undefined ? { sleep: deps.sleep } : {}),
          onError: (url, error, retryInMs) =>
            deps.logger?.warn({ discoveryUrl: url, reason: (error as Error)?.message, retryInMs }, 'identity provider discovery failed; retrying with backoff'),
        },
      );
      discoveries.set(key, discovery);
    }
    return discovery;
  }

  /**
   * The policy's verdict per URL: the policy is fixed for this process and URLs come from rules
   * and discovery documents (a handful), so each is parsed once, not on every token.
   */
  const urlProblems = new Map<string, string | undefined>();
  function urlProblemOf(url: string): string | undefined {
    if (urlProblems.has(url)) return urlProblems.get(url);
    const problem = providerUrlProblem(url, policy);
    if (urlProblems.size >= MAX_REMEMBERED_URLS) urlProblems.clear();
    urlProblems.set(url, problem);
    return problem;
  }

  /** The rule's JWKS URL, discovering it if needed; checked against the URL policy. */
  async function jwksUrlOf(rule: AuthRuleRecord): Promise<string> {
    const url = rule.jwksUri ?? (await discoveryFor(rule.discoveryUrl ?? '', rule.issuer).jwksUri());
    const problem = urlProblemOf(url);
    // A rule saved before the policy tightened (e.g. NODE_ENV changed): refuse, never fetch.
    if (problem !== undefined) throw new JwksUnavailable({ message: 'The identity provider\'s key URL is not allowed by this server\'s policy.', detail: `jwks_uri ${problem}` });
    return url;
  }

  return {
    resolverFor(rule) {
      return async (header) => {
        // Checked before anything is fetched: a token without a usable kid costs the provider nothing.
        if (header.kid === undefined) throw new UnknownKeyId({ message: 'The token names no signing key (kid).' });
        if (header.kid.length > MAX_KID_LENGTH) throw new UnknownKeyId({ detail: 'kid longer than 256 characters' });
        const url = await jwksUrlOf(rule);
        return cacheFor(url).resolveKey(header, rule.algorithms);
      };
    },
    async warmUp(rules, warmOptions = {}) {
      await Promise.all(
        rules.map(async (rule) => {
          try {
            if (rule.jwksUri === null && rule.discoveryUrl !== null) {
              const ok = await discoveryFor(rule.discoveryUrl, rule.issuer).warmUp(warmOptions.discoveryAttempts ?? 4);
              if (!ok) return;
            }
            const url = await jwksUrlOf(rule);
            if (await cacheFor(url).refresh()) deps.logger?.info({ rule: rule.id, issuer: rule.issuer }, 'auth rule ready: identity provider keys cached');
          } catch {
            // Logged where it failed; requests will answer provider_unavailable and retry.
          }
        }),
      );
    },
    fetchCounts() {
      return Object.fromEntries([...caches].map(([url, cache]) => [url, cache.fetchCount]));
    },
  };
}
