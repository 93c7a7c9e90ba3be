/**
 * A bounded cache of successful verifications, so a client that reuses one token for minutes
 * (as the assistant-cloud client does) pays for the signature once. It never changes a decision:
 * - only acceptances are cached (a flood of bad tokens cannot fill it or be answered from it);
 * - an entry is used only while its token has not expired, by the very rule the full check
 *   applies (`exp` > now − clock tolerance);
 * - an entry verified under an older revocation epoch is not used: any revocation anywhere sends
 *   every cached credential back through the full verification (revocation-epoch.ts);
 * - API-key entries also lapse after 60 s, so `last_used_at` keeps being written;
 * - every entry lapses half of `maxAgeMs` (THREADGATE_CACHE_MAX_AGE_MS) after it was verified,
 *   whatever the epoch says; the store reads it was built from were at most the other half old
 *   (cached-lookups.ts), so no cached decision rests on a database read older than `maxAgeMs`, even
 *   when no epoch move arrives (Redis cut with the poll off or failing).
 *
 * Bound: `maxEntries` (THREADGATE_TOKEN_CACHE_SIZE, default 10,000; 0 turns it off), and
 * credentials longer than 4 KiB are not cached: at most maxEntries × ~5 KiB, about 50 MiB at the
 * default, typically much less. When full, the oldest entry not used since it was last
 * considered goes first (cache/bounded-cache.ts).
 *
 * Entries are found by the last 64 characters of a long credential (a JWS's signature) and then
 * compared in full: V8 hashes a string on each lookup of a new string, and hashing a whole long
 * token cost more than the short hash and the comparison together (docs/benchmarks.md). Two
 * credentials sharing those characters only take each other's slot
 * (the lookup compares the whole text, so one never answers for the other), and only verified
 * credentials are stored, so a forged token with a copied tail finds nothing and evicts nothing.
 */
import type { Principal } from './principal.js';
import { BoundedCache } from './cache/bounded-cache.js';

export const MAX_CACHED_CREDENTIAL_LENGTH = 4096;
const API_KEY_ENTRY_SECONDS = 60;

/** Keys up to this length are slots as they are; longer ones by their last `SLOT_TAIL` characters. */
const WHOLE_KEY_LENGTH = 128;
const SLOT_TAIL = 64;

function slotOf(key: string): string {
  return key.length <= WHOLE_KEY_LENGTH ? key : key.slice(-SLOT_TAIL);
}

interface Entry {
  /** The whole credential (cache key) this entry was verified for. */
  key: string;
  principal: Principal;
  /** Seconds since the epoch after which the entry is not used. */
  usableUntil: number;
  epoch: number;
}

export interface VerifiedCredentialCache {
  get(key: string): Principal | undefined;
  set(key: string, principal: Principal): void;
  readonly size: number;
}

export interface VerifiedCredentialCacheOptions {
  maxEntries: number;
  clockToleranceSeconds: number;
  /** The current revocation epoch. */
  epoch: () => number;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** THREADGATE_CACHE_MAX_AGE_MS: an entry is used for half of this at most. Default: no age bound. */
  maxAgeMs?: number;
}

/**
 * @example
 * const cache = createVerifiedCredentialCache({ maxEntries: 10_000, clockToleranceSeconds: 30, epoch: () => 0, clock: Date.now, maxAgeMs: 30_000 })
 */
export function createVerifiedCredentialCache(options: VerifiedCredentialCacheOptions): VerifiedCredentialCache {
  const entries = new BoundedCache<string, Entry>(options.maxEntries);
  const usableSeconds = (options.maxAgeMs ?? Number.POSITIVE_INFINITY) / 2000;
  return {
    get(key) {
      const slot = slotOf(key);
      const entry = entries.get(slot);
      if (entry === undefined || entry.key !== key) return undefined;
      if (entry.epoch !== options.epoch() || options.clock() / 1000 >= entry.usableUntil) {
        entries.delete(slot);
        return undefined;
      }
      return entry.principal;
    },
    set(key, principal) {
      if (options.maxEntries <= 0 || key.length > MAX_CACHED_CREDENTIAL_LENGTH) return;
      const now = options.clock() / 1000;
      // The full check refuses once exp <= now - tolerance (jwt-strict.ts checkJwtTimes).
      const lapses = principal.expiresAt !== undefined ? principal.expiresAt + options.clockToleranceSeconds : now + API_KEY_ENTRY_SECONDS;
      const usableUntil = Math.min(lapses, now + usableSeconds);
      entries.set(slotOf(key), { key, principal, usableUntil, epoch: options.epoch() });
    },
    get size() {
      return entries.size;
    },
  };
}
