import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifiedCredentialCache } from '../../src/auth/verified-credential-cache.js';
import { ALL_SCOPES, type Principal } from '../../src/auth/principal.js';

const principal = (expiresAt?: number): Principal => ({
  projectId: 'p', userId: 'u', workspaceId: 'w', source: 'workspace_token', credentialId: 'c',
  scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false, user: {}, ...(expiresAt !== undefined ? { expiresAt } : {}),
});

describe('verified credential cache', () => {
  it('serves an entry only while the full check would still accept its exp', () => {
    const clock = { now: 1_000_000 };
    const cache = createVerifiedCredentialCache({ maxEntries: 10, clockToleranceSeconds: 30, epoch: () => 0, clock: () => clock.now });
    cache.set('t', principal(1000 + 60));
    clock.now = (1000 + 60 + 29) * 1000;
    assert.ok(cache.get('t'), 'inside the tolerance');
    clock.now = (1000 + 60 + 30) * 1000;
    assert.equal(cache.get('t'), undefined, 'exp <= now - tolerance is refused by the full check, so not served');
  });

  // @see issue 10 item 10: no cached decision outlives THREADGATE_CACHE_MAX_AGE_MS, Redis or not.
  it('serves no entry for more than half the max age, whatever its exp and epoch', () => {
    const clock = { now: 1_000_000 };
    const cache = createVerifiedCredentialCache({ maxEntries: 10, clockToleranceSeconds: 30, epoch: () => 0, clock: () => clock.now, maxAgeMs: 10_000 });
    cache.set('token', principal(1000 + 3600));
    cache.set('tg_sk_key', principal());
    clock.now += 4_999;
    assert.ok(cache.get('token') && cache.get('tg_sk_key'));
    clock.now += 1;
    assert.equal(cache.get('token'), undefined, 'a token valid for another hour is verified again after half the max age');
    assert.equal(cache.get('tg_sk_key'), undefined);
  });

  it('answers a long credential only for its whole text, whatever its last characters share', () => {
    const cache = createVerifiedCredentialCache({ maxEntries: 10, clockToleranceSeconds: 0, epoch: () => 0, clock: () => 0 });
    const tail = 's'.repeat(86);
    const alice = { ...principal(100), userId: 'alice' };
    const bob = { ...principal(100), userId: 'bob' };
    const aliceToken = `${'a'.repeat(500)}.${tail}`;
    const bobToken = `${'b'.repeat(500)}.${tail}`;
    cache.set(aliceToken, alice);
    assert.equal(cache.get(aliceToken), alice);
    assert.equal(cache.get(`${'a'.repeat(499)}x.${tail}`), undefined, 'a forged token with the same signature part finds nothing');
    assert.equal(cache.get(aliceToken), alice, 'and evicts nothing');
    cache.set(bobToken, bob);
    assert.equal(cache.get(bobToken), bob);
    assert.equal(cache.get(aliceToken), undefined, 'sharing the tail, they take each other\'s place; never the other\'s answer');
    assert.equal(cache.get(`x${aliceToken}`), undefined);
    const short = 'k'.repeat(100);
    cache.set(short, alice);
    assert.equal(cache.get(short), alice);
    assert.equal(cache.get(`${short}k`), undefined);
  });

  it('drops every entry verified under an earlier revocation epoch', () => {
    let epoch = 0;
    const cache = createVerifiedCredentialCache({ maxEntries: 10, clockToleranceSeconds: 0, epoch: () => epoch, clock: () => 0 });
    cache.set('a', principal(100));
    cache.set('b', principal(100));
    epoch++;
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('b'), undefined);
    cache.set('a', principal(100));
    assert.ok(cache.get('a'), 'verified again under the new epoch');
  });

  it('is bounded, the oldest unused entry out first (a used one gets a second chance)', () => {
    const cache = createVerifiedCredentialCache({ maxEntries: 3, clockToleranceSeconds: 0, epoch: () => 0, clock: () => 0 });
    for (const key of ['a', 'b', 'c']) cache.set(key, principal(100));
    assert.ok(cache.get('a'));
    cache.set('d', principal(100));
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b'), undefined, 'b was least recently used');
    assert.ok(cache.get('a') && cache.get('c') && cache.get('d'));
  });

  it('without hits, entries leave in the order they came, eviction after eviction', () => {
    const cache = createVerifiedCredentialCache({ maxEntries: 3, clockToleranceSeconds: 0, epoch: () => 0, clock: () => 0 });
    for (const key of ['a', 'b', 'c']) cache.set(key, principal(100));
    for (const [added, gone] of [['d', 'a'], ['e', 'b'], ['f', 'c'], ['g', 'd']] as const) {
      cache.set(added, principal(100));
      assert.equal(cache.size, 3);
      assert.equal(cache.get(gone), undefined, `${gone} left when ${added} came`);
    }
    assert.ok(cache.get('e') && cache.get('f') && cache.get('g'));
  });

  it('stays within its bound under churn, and keeps the entry that keeps being used', () => {
    const cache = createVerifiedCredentialCache({ maxEntries: 100, clockToleranceSeconds: 0, epoch: () => 0, clock: () => 0 });
    cache.set('hot', principal(100));
    for (let i = 0; i < 10_000; i++) {
      cache.set(`cold-${i}`, principal(100));
      assert.ok(cache.size <= 100);
      assert.ok(cache.get('hot'), `the hot entry survived insert ${i}`);
    }
    assert.equal(cache.size, 100);
    assert.equal(cache.get('cold-0'), undefined);
    assert.ok(cache.get('cold-9999'));
  });

  it('keeps credentials without exp (API keys) for 60 s, skips oversized ones, and can be off', () => {
    const clock = { now: 0 };
    const cache = createVerifiedCredentialCache({ maxEntries: 10, clockToleranceSeconds: 0, epoch: () => 0, clock: () => clock.now });
    cache.set('key', principal());
    clock.now = 59_000;
    assert.ok(cache.get('key'));
    clock.now = 60_000;
    assert.equal(cache.get('key'), undefined);
    cache.set('x'.repeat(5000), principal(100));
    assert.equal(cache.size, 0);
    const off = createVerifiedCredentialCache({ maxEntries: 0, clockToleranceSeconds: 0, epoch: () => 0, clock: () => 0 });
    off.set('t', principal(100));
    assert.equal(off.get('t'), undefined);
  });
});
