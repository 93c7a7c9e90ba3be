/**
 * The JWKS cache on a frozen clock with a scripted provider (no network): single flight, the
 * cooldown that bounds what unknown kids cost the provider, rotation, the stale refresh, and the
 * offline table of src/auth/oidc/jwks-cache.ts, row by row.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createJwksCache } from '../../../src/auth/oidc/jwks-cache.js';
import { createFrozenClock } from '../../fixtures/clock.js';
import { expectError } from '../../helpers/error-contract.js';

const jwk = (kid: string, bits = 2048, extra: Record<string, unknown> = {}) => ({
  ...generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }),
  kid,
  ...extra,
});
const KEY_A = jwk('a');
const KEY_B = jwk('b');

/** A provider whose answers the test scripts; counts fetches. */
function scriptedProvider(initial: unknown) {
  let doc: unknown = initial;
  let down = false;
  let gate: Promise<void> | undefined;
  const provider = {
    fetches: 0,
    set(next: unknown) {
      doc = next;
    },
    offline(value = true) {
      down = value;
    },
    /** Holds every fetch until released. */
    hold() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    async fetchJwks() {
      provider.fetches++;
      if (gate) await gate;
      if (down) throw new Error('ECONNREFUSED');
      return structuredClone(doc);
    },
  };
  return provider;
}

const header = (kid?: string, alg = 'RS256') => (kid === undefined ? { alg } : { alg, kid });

describe('jwks cache', () => {
  it('fetches on first use, then answers from the cache', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A] });
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks }, { clock });
    const resolved = await cache.resolveKey(header('a'), ['RS256']);
    assert.equal(resolved.algorithm, 'RS256');
    for (let i = 0; i < 5; i++) await cache.resolveKey(header('a'), ['RS256']);
    assert.equal(idp.fetches, 1);
  });

  it('single flight: concurrent first uses share one fetch', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A] });
    const release = idp.hold();
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks }, { clock });
    const pending = Array.from({ length: 50 }, () => cache.resolveKey(header('a'), ['RS256']));
    release();
    await Promise.all(pending);
    assert.equal(idp.fetches, 1);
  });

  it('a flood of unknown kids: one refetch per cooldown, whatever the number of kids or their timing', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A] });
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 30_000 }, { clock });
    await cache.resolveKey(header('a'), ['RS256']);
    // Within the cooldown of the first fetch: no refetch at all.
    await Promise.all(Array.from({ length: 100 }, (_, i) => expectError(() => cache.resolveKey(header(`x${i}`), ['RS256']), 'unknown_signing_key')));
    assert.equal(idp.fetches, 1);
    // After it: concurrent unknown kids share exactly one refetch...
    clock.advance(30_000);
    const release = idp.hold();
    const flood = Array.from({ length: 100 }, (_, i) => expectError(() => cache.resolveKey(header(`y${i}`), ['RS256']), 'unknown_signing_key'));
    release();
    await Promise.all(flood);
    assert.equal(idp.fetches, 2);
    // ...and the ones that follow wait for the next cooldown.
    clock.advance(29_999);
    await expectError(() => cache.resolveKey(header('z'), ['RS256']), 'unknown_signing_key');
    assert.equal(idp.fetches, 2);
    clock.advance(1);
    await expectError(() => cache.resolveKey(header('z'), ['RS256']), 'unknown_signing_key');
    assert.equal(idp.fetches, 3);
  });

  it('picks up a rotated key on its first use once the cooldown allows, without a restart', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A] });
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 30_000 }, { clock });
    await cache.resolveKey(header('a'), ['RS256']);
    idp.set({ keys: [KEY_B, KEY_A] });
    clock.advance(30_000);
    assert.equal((await cache.resolveKey(header('b'), ['RS256'])).algorithm, 'RS256');
    assert.equal(idp.fetches, 2);
  });

  it('offline with cached keys: a cached kid verifies, forever; a new kid is unknown_signing_key (refetch failed, or cooling down)', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A] });
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 30_000, maxAgeMs: 600_000 }, { clock });
    await cache.resolveKey(header('a'), ['RS256']);
    idp.offline();
    clock.advance(30_000);
    await expectError(() => cache.resolveKey(header('new'), ['RS256']), 'unknown_signing_key'); // refetch failed
    assert.equal(idp.fetches, 2);
    await expectError(() => cache.resolveKey(header('new'), ['RS256']), 'unknown_signing_key'); // cooling down
    assert.equal(idp.fetches, 2);
    clock.advance(86_400_000); // a day offline: stale, refreshes fail, the cached key still verifies
    await cache.resolveKey(header('a'), ['RS256']);
    await cache.resolveKey(header('a'), ['RS256']);
    assert.ok(idp.fetches <= 3);
    idp.offline(false);
    idp.set({ keys: [KEY_A, KEY_B] });
    clock.advance(30_000);
    await cache.resolveKey(header('b'), ['RS256']);
  });

  it('offline with nothing cached: provider_unavailable with Retry-After; no fetch again until the cooldown passes', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A] });
    idp.offline();
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 30_000 }, { clock });
    await expectError(() => cache.resolveKey(header('a'), ['RS256']), 'provider_unavailable');
    clock.advance(10_000);
    try {
      await cache.resolveKey(header('a'), ['RS256']);
      assert.fail('resolved');
    } catch (error) {
      assert.equal((error as { code: string }).code, 'provider_unavailable');
      assert.equal((error as { headers: Record<string, string> }).headers['Retry-After'], '20');
    }
    assert.equal(idp.fetches, 1);
    idp.offline(false);
    clock.advance(20_000);
    await cache.resolveKey(header('a'), ['RS256']);
    assert.equal(idp.fetches, 2);
  });

  it('refreshes a stale document in the background and answers from the cache meanwhile; a removed key then stops working', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A, KEY_B] });
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 30_000, maxAgeMs: 600_000 }, { clock });
    await cache.resolveKey(header('b'), ['RS256']);
    idp.set({ keys: [KEY_A] });
    clock.advance(600_000);
    await cache.resolveKey(header('b'), ['RS256']); // stale: answered from the cache, refresh started
    await cache.refresh(); // joins the refresh in flight
    assert.equal(idp.fetches, 2);
    await expectError(() => cache.resolveKey(header('b'), ['RS256']), 'unknown_signing_key');
  });

  it('a kid without a usable key (under 2048 bits, use enc, another key type) is unknown_signing_key without a refetch', async () => {
    const clock = createFrozenClock();
    const ec = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'ec' };
    const idp = scriptedProvider({ keys: [KEY_A, jwk('small', 1024), jwk('enc', 2048, { use: 'enc' }), ec] });
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 0 }, { clock });
    await cache.resolveKey(header('a'), ['RS256']);
    for (const kid of ['small', 'enc', 'ec']) await expectError(() => cache.resolveKey(header(kid), ['RS256']), 'unknown_signing_key', { message: kid });
    assert.equal(idp.fetches, 1, 'a published kid is not refetched');
    assert.equal((await cache.resolveKey(header('ec', 'ES256'), ['RS256', 'ES256'])).algorithm, 'ES256', 'fits a rule that lists ES256');
    await expectError(() => cache.resolveKey(header('a', 'PS256'), ['RS256']), 'invalid_token');
  });

  it('a document that is not a JWKS counts as a failed fetch; the cached one stays', async () => {
    const clock = createFrozenClock();
    const idp = scriptedProvider({ keys: [KEY_A] });
    const failures: unknown[] = [];
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 1000 }, { clock, onFetchError: (_url, error) => failures.push(error) });
    await cache.resolveKey(header('a'), ['RS256']);
    for (const bad of [{ keys: 'x' }, [], 'text', null, {}, { keys: null }]) {
      idp.set(bad);
      clock.advance(1000);
      await expectError(() => cache.resolveKey(header('b'), ['RS256']), 'unknown_signing_key');
      await cache.resolveKey(header('a'), ['RS256']);
    }
    assert.equal(failures.length, 6);
  });

  it('keys it can never use are skipped, reported once per key, and the others kept; their kids do not refetch', async () => {
    const clock = createFrozenClock();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bad = [{ ...privateKey.export({ format: 'jwk' }), kid: 'private' }, { kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', kid: 'secret' }, { kty: 'AKP', kid: 'pq', alg: 'ML-DSA-44', pub: 'AAAA' }];
    const idp = scriptedProvider({ keys: [KEY_A, ...bad] });
    const reported: Array<{ kid: string | undefined; reason: string }> = [];
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks, cooldownMs: 1000 }, { clock, onKeySkipped: (_url, key) => reported.push(key) });
    await cache.resolveKey(header('a'), ['RS256']);
    for (const kid of ['private', 'secret', 'pq']) await expectError(() => cache.resolveKey(header(kid), ['RS256']), 'unknown_signing_key', { message: kid });
    assert.equal(idp.fetches, 1);
    assert.deepEqual(reported.map((key) => key.kid), ['private', 'secret', 'pq']);
    // The same document again: nothing new to report. One more bad key: only it is reported.
    clock.advance(1000);
    await expectError(() => cache.resolveKey(header('b'), ['RS256']), 'unknown_signing_key');
    assert.equal(idp.fetches, 2);
    assert.equal(reported.length, 3);
    idp.set({ keys: [KEY_A, KEY_B, ...bad, { ...KEY_B, kid: 'enc', use: 'enc' }] });
    clock.advance(1000);
    await cache.resolveKey(header('b'), ['RS256']);
    assert.deepEqual(reported.slice(3).map((key) => [key.kid, key.reason]), [['enc', 'not a signing key (use "enc")']]);
  });

  it('a token without a kid is refused before anything is fetched', async () => {
    const idp = scriptedProvider({ keys: [KEY_A] });
    const cache = createJwksCache({ url: 'u', fetchJwks: idp.fetchJwks });
    await expectError(() => cache.resolveKey(header(), ['RS256']), 'unknown_signing_key');
    assert.equal(idp.fetches, 0);
  });
});
