/**
 * OpenID Connect Discovery 1.0 for one auth rule: fetch `/.well-known/openid-configuration`, check
 * that its `issuer` is exactly the rule's issuer (Discovery §4.3: otherwise the document MUST NOT be
 * used, since it could be another provider's), and read `jwks_uri`.
 *
 * A provider that cannot be reached is retried with exponential backoff and jitter, capped, and
 * never crashes anything: while discovery has not succeeded, tokens for the rule are answered
 * `provider_unavailable` (503, with `Retry-After`). Attempts are made by requests (single flight,
 * and no sooner than the backoff allows, so a burst of requests is one attempt) and by
 * `warmUp()` at start, which retries a few times in a row. No timer runs in the background, so a
 * deleted rule leaves nothing behind that keeps knocking at the provider.
 *
 * Backoff: after the n-th failure in a row the next attempt waits d/2 + random·d/2, with
 * d = min(maxDelayMs, initialDelayMs · 2^(n−1)) ("equal jitter": never zero, never in lockstep
 * with the other processes). Defaults 1 s and 60 s.
 *
 * A successful result is kept for `refreshMs` (default 24 h), then refreshed in the background
 * on next use; until a refresh succeeds the old `jwks_uri` keeps being used.
 */
import { JwksUnavailable } from '../../errors.js';
import { traceStep } from '../trace.js';

export interface DiscoveryBackoff {
  /** Delay before the second attempt, ms (default 1000). */
  initialDelayMs?: number;
  /** Longest delay between attempts, ms (default 60 000). */
  maxDelayMs?: number;
}

export interface DiscoveryOptions {
  /** `https://idp.example.com/.well-known/openid-configuration`. */
  discoveryUrl: string;
  /** The rule's issuer: the document's `issuer` must equal it exactly. */
  issuer: string;
  /** Fetches and parses a document (fetch-json.ts); throws when unreachable. */
  fetchJson: (url: string) => Promise<unknown>;
  /** Why a discovered `jwks_uri` may not be fetched (provider-url.ts), or undefined. */
  checkUrl: (url: string) => string | undefined;
  backoff?: DiscoveryBackoff;
  /** Keep a successful result this long, ms (default 24 h). */
  refreshMs?: number;
}

export interface DiscoveryDeps {
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** A number in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Waits (warm-up only). Default a `setTimeout` that does not keep the process alive. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about each failed attempt (for logs). */
  onError?: (discoveryUrl: string, error: unknown, retryInMs: number) => void;
}

export interface Discovery {
  /** The provider's `jwks_uri`, discovering it if needed. Throws `JwksUnavailable` while it cannot be had. */
  jwksUri(): Promise<string>;
  /** Tries up to `attempts` times, sleeping the backoff between them; true once discovered. */
  warmUp(attempts: number): Promise<boolean>;
  /** Failures in a row since the last success (0 when discovered). */
  readonly failures: number;
}

/** The backoff delay after `failures` failures in a row (≥ 1), given a random number in [0, 1). */
export function backoffDelayMs(failures: number, random: number, backoff: DiscoveryBackoff = {}): number {
  const initial = backoff.initialDelayMs ?? 1000;
  const max = backoff.maxDelayMs ?? 60_000;
  const d = Math.min(max, initial * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(d / 2 + random * (d / 2));
}

/** The document's `jwks_uri`, after checking the document; throws an Error saying what is wrong. */
function readDocument(doc: unknown, options: DiscoveryOptions): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('the discovery document is not a JSON object');
  const { issuer, jwks_uri: jwksUri } = doc as { issuer?: unknown; jwks_uri?: unknown };
  if (issuer !== options.issuer) {
    throw new Error(`the discovery document's issuer ${JSON.stringify(String(issuer).slice(0, 200))} is not the rule's issuer ${JSON.stringify(options.issuer)}`);
  }
  if (typeof jwksUri !== 'string') throw new Error('the discovery document has no jwks_uri');
  const problem = options.checkUrl(jwksUri);
  if (problem !== undefined) throw new Error(`the discovered jwks_uri ${problem}`);
  return jwksUri;
}

const unrefSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * @example
 * const discovery = createDiscovery({ discoveryUrl, issuer, fetchJson: (url) => fetchJson(url, limits), checkUrl })
 * const jwksUri = await discovery.jwksUri()
 */
export function createDiscovery(options: DiscoveryOptions, deps: DiscoveryDeps = {}): Discovery {
  const clock = deps.clock ?? Date.now;
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? unrefSleep;
  const refreshMs = options.refreshMs ?? 86_400_000;
  let result: { jwksUri: string; at: number } | undefined;
  let failures = 0;
  let nextAttemptAt = 0;
  let lastError = 'not attempted yet';
  let inflight: Promise<boolean> | undefined;
  // Read through a function: TypeScript would keep an `undefined` narrowing across an await.
  const current = () => result;

  function attempt(): Promise<boolean> {
    if (inflight !== undefined) return inflight;
    inflight = (async () => {
      try {
        const jwksUri = readDocument(await options.fetchJson(options.discoveryUrl), options);
        result = { jwksUri, at: clock() };
        failures = 0;
        nextAttemptAt = 0;
        return true;
      } catch (error) {
        failures++;
        const delay = backoffDelayMs(failures, random(), options.backoff);
        nextAttemptAt = clock() + delay;
        lastError = error instanceof Error ? error.message : String(error);
        deps.onError?.(options.discoveryUrl, error, delay);
        return false;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  return {
    async jwksUri() {
      if (result !== undefined) {
        if (clock() - result.at >= refreshMs && inflight === undefined && clock() >= nextAttemptAt) void attempt();
        traceStep('provider discovery', true, result.jwksUri);
        return result.jwksUri;
      }
      if (inflight !== undefined || clock() >= nextAttemptAt) await attempt();
      const found = current();
      if (found !== undefined) {
        traceStep('provider discovery', true, found.jwksUri);
        return found.jwksUri;
      }
      traceStep('provider discovery', false, lastError);
      throw new JwksUnavailable({
        message: 'The identity provider could not be discovered; retrying with backoff.',
        detail: `discovery ${options.discoveryUrl}: ${lastError} (${failures} failures in a row)`,
        headers: { 'Retry-After': String(Math.max(1, Math.ceil((nextAttemptAt - clock()) / 1000))) },
      });
    },
    async warmUp(attempts) {
      for (let i = 0; i < attempts; i++) {
        if (result !== undefined) return true;
        const wait = nextAttemptAt - clock();
        if (wait > 0) await sleep(wait);
        if (await attempt()) return true;
      }
      return result !== undefined;
    },
    get failures() {
      return failures;
    },
  };
}
