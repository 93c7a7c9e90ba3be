/**
 * The verifier's cached store reads (auth/cached-lookups.ts) never change a decision: a moved
 * epoch empties them, a read that raced a revocation is not kept, no entry is used past half the
 * max age, "not found" is kept only for the reads a forged credential makes (and, like the rest,
 * dropped when the epoch moves, which creating such a credential does), an inspection reads the
 * store, the bounds hold, and `last_used_at` is still written at most once a minute per API key.
 * @see issue 10 items 10 (a time bound on every cached read) and 14 (forged credentials: one query each, not one per request)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiKey, verifyApiKey } from '../../src/auth/api-key.js';
import { withCachedLookups } from '../../src/auth/cached-lookups.js';
import { withTrace } from '../../src/auth/trace.js';
import type { AuthRuleRecord } from '../../src/auth/credential-records.js';
import { createTempStore, type TempStore, type TestStore } from '../fixtures/temp-store.js';
import { expectError } from '../helpers/error-contract.js';

/** The store with a call counter per method. */
function counted(store: TestStore): { store: TestStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrapped: Record<string, unknown> = { ...(store as unknown as Record<string, unknown>) };
  for (const [name, value] of Object.entries(wrapped)) {
    if (typeof value !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return (value as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  return { store: wrapped as unknown as TestStore, calls };
}

function rule(id: string, issuer: string, audience = 'api'): AuthRuleRecord {
  return {
    id,
    projectId: 'default',
    name: id,
    provider: null,
    issuer,
    audience,
    jwksUri: 'https://idp.example/jwks',
    discoveryUrl: null,
    algorithms: ['RS256'],
    tokenType: 'any',
    userIdClaim: 'sub',
    workspaceTemplate: null,
    requiredClaims: {},
    scopesClaim: null,
    enabled: true,
    service: false,
    createdAt: 1,
    updatedAt: 1,
  };
}

describe('cached lookups', () => {
  let temp: TempStore;
  before(async () => (temp = await createTempStore()));
  after(async () => temp.close());

  it('answers a repeated read from memory until the epoch moves', async () => {
    const { store, calls } = counted(temp.store);
    let epoch = 0;
    const cached = withCachedLookups(store, { maxEntries: 100, epoch: () => epoch });
    const { record } = await createApiKey(temp.store, { projectId: 'default', name: 'k' });
    for (let i = 0; i < 3; i++) assert.equal((await cached.findApiKeyByHash(record.keyHash))?.id, record.id);
    for (let i = 0; i < 3; i++) assert.equal((await cached.getApiKey('default', record.id))?.id, record.id);
    assert.equal(calls.get('findApiKeyByHash'), 1);
    assert.equal(calls.get('getApiKey'), 1);
    await temp.store.revokeApiKey('default', record.id, 5);
    assert.equal((await cached.getApiKey('default', record.id))?.revokedAt, null, 'no epoch move yet: still the remembered record');
    epoch++;
    assert.equal((await cached.getApiKey('default', record.id))?.revokedAt, 5, 'a moved epoch reads the store again');
    assert.equal((await cached.findApiKeyByHash(record.keyHash))?.revokedAt, 5);
  });

  it('remembers "not found" only for the reads a forged credential makes, until the epoch moves', async () => {
    const { store, calls } = counted(temp.store);
    let epoch = 0;
    const cached = withCachedLookups(store, { maxEntries: 100, epoch: () => epoch });
    for (let i = 0; i < 3; i++) {
      // A forged API key, a made-up `ak_` kid, a made-up issuer: one query each, however often sent.
      assert.equal(await cached.findApiKeyByHash('0'.repeat(64)), undefined);
      assert.equal(await cached.getAuthKey(undefined, 'ak_00000000000000000000000000'), undefined);
      assert.deepEqual(await cached.findAuthRulesByIssuer(undefined, 'https://nobody.example'), []);
      // Reached only with a signed token: never remembered as not found.
      assert.equal(await cached.getAuthRule(undefined, 'ar_missing'), undefined);
      assert.equal(await cached.getRefreshFamily('default', 'rtf_missing'), undefined);
    }
    for (const name of ['findApiKeyByHash', 'getAuthKey', 'findAuthRulesByIssuer']) assert.equal(calls.get(name), 1, name);
    for (const name of ['getAuthRule', 'getRefreshFamily']) assert.equal(calls.get(name), 3, name);
    // Creating a rule moves the epoch (revocation-epoch.ts): the issuer's first rule is found at once.
    await temp.store.insertAuthRule(rule('ar_first', 'https://nobody.example'));
    epoch++;
    assert.equal((await cached.findAuthRulesByIssuer(undefined, 'https://nobody.example')).length, 1);
    assert.equal(await cached.findApiKeyByHash('0'.repeat(64)), undefined);
    assert.equal(calls.get('findApiKeyByHash'), 2, 'a moved epoch forgets misses too');
  });

  it('keeps misses in a bounded map of their own: a flood of forged credentials never evicts what was found', async () => {
    const { store, calls } = counted(temp.store);
    const cached = withCachedLookups(store, { maxEntries: 3, epoch: () => 0 });
    const { record } = await createApiKey(temp.store, { projectId: 'default', name: 'found' });
    await cached.findApiKeyByHash(record.keyHash);
    for (let i = 0; i < 10; i++) await cached.findApiKeyByHash(String(i).padStart(64, '0'));
    assert.equal((await cached.findApiKeyByHash(record.keyHash))?.id, record.id);
    assert.equal(calls.get('findApiKeyByHash'), 11, 'the real key is still remembered');
    await cached.findApiKeyByHash('9'.padStart(64, '0'));
    assert.equal(calls.get('findApiKeyByHash'), 11, 'the newest misses are remembered');
    await cached.findApiKeyByHash('0'.padStart(64, '0'));
    assert.equal(calls.get('findApiKeyByHash'), 12, 'the oldest miss was evicted');
    // An issuer longer than 512 characters is not remembered at all.
    const long = `https://${'x'.repeat(600)}.example`;
    await cached.findAuthRulesByIssuer(undefined, long);
    await cached.findAuthRulesByIssuer(undefined, long);
    assert.equal(calls.get('findAuthRulesByIssuer'), 2);
  });

  it('uses no entry, found or missing, for more than half the max age', async () => {
    const { store, calls } = counted(temp.store);
    let now = 1_000_000;
    const cached = withCachedLookups(store, { maxEntries: 100, epoch: () => 0, maxAgeMs: 10_000, clock: () => now });
    const { record } = await createApiKey(temp.store, { projectId: 'default', name: 'aging' });
    await cached.getApiKey('default', record.id);
    await cached.findApiKeyByHash('f'.repeat(64));
    now += 4_999;
    await cached.getApiKey('default', record.id);
    await cached.findApiKeyByHash('f'.repeat(64));
    assert.equal(calls.get('getApiKey'), 1);
    assert.equal(calls.get('findApiKeyByHash'), 1);
    // The epoch never moved (no Redis, no poll), yet the revocation is seen once the entry is old.
    await temp.store.revokeApiKey('default', record.id, now);
    now += 1;
    assert.equal((await cached.getApiKey('default', record.id))?.revokedAt, now - 1);
    await cached.findApiKeyByHash('f'.repeat(64));
    assert.equal(calls.get('getApiKey'), 2);
    assert.equal(calls.get('findApiKeyByHash'), 2);
  });

  it('does not keep a read during which the epoch moved (it may predate a revocation)', async () => {
    const { record } = await createApiKey(temp.store, { projectId: 'default', name: 'raced' });
    let epoch = 0;
    const racing: TestStore = {
      ...temp.store,
      async getApiKey(projectId, id) {
        const found = await temp.store.getApiKey(projectId, id);
        epoch++; // a revocation lands while this read is in flight
        return found;
      },
    };
    const { store, calls } = counted(racing);
    const cached = withCachedLookups(store, { maxEntries: 100, epoch: () => epoch });
    await cached.getApiKey('default', record.id);
    await cached.getApiKey('default', record.id);
    assert.equal(calls.get('getApiKey'), 2);
  });

  it('reads the store during an inspection, so the trace shows the real state', async () => {
    const { store, calls } = counted(temp.store);
    const cached = withCachedLookups(store, { maxEntries: 100, epoch: () => 0 });
    await cached.getUser('default', 'nobody');
    await withTrace(() => cached.getUser('default', 'nobody'));
    await withTrace(() => cached.getUser('default', 'nobody'));
    assert.equal(calls.get('getUser'), 3);
  });

  it('remembers an absent user (no row = no user-wide revocation), and a revocation empties it', async () => {
    const { store, calls } = counted(temp.store);
    let epoch = 0;
    const cached = withCachedLookups(store, { maxEntries: 100, epoch: () => epoch });
    assert.equal(await cached.getUser('default', 'ghost'), undefined);
    assert.equal(await cached.getUser('default', 'ghost'), undefined);
    assert.equal(calls.get('getUser'), 1);
    await temp.store.revokeUserTokens('default', 'ghost', 1000);
    epoch++;
    assert.equal((await cached.getUser('default', 'ghost'))?.tokensValidAfter, 1000);
  });

  it('keeps at most maxEntries, the oldest going first', async () => {
    const { store, calls } = counted(temp.store);
    const cached = withCachedLookups(store, { maxEntries: 3, epoch: () => 0 });
    for (const user of ['a', 'b', 'c', 'd']) await cached.getUser('default', user);
    await cached.getUser('default', 'd');
    await cached.getUser('default', 'b');
    assert.equal(calls.get('getUser'), 4, 'b, c, d are remembered');
    await cached.getUser('default', 'a');
    assert.equal(calls.get('getUser'), 5, 'a was evicted');
  });

  it('returns the store itself when the cache size is 0', () => {
    assert.equal(withCachedLookups(temp.store, { maxEntries: 0, epoch: () => 0 }), temp.store);
  });

  it('gives frozen records: a caller cannot change what the next one reads', async () => {
    const cached = withCachedLookups(temp.store, { maxEntries: 100, epoch: () => 0 });
    await temp.store.insertAuthRule(rule('ar_frozen', 'https://frozen.example'));
    const [found] = await cached.findAuthRulesByIssuer(undefined, 'https://frozen.example');
    assert.ok(Object.isFrozen(found) && Object.isFrozen(found!.algorithms));
  });

  it('still writes last_used_at at most once a minute per API key', async () => {
    const { store, calls } = counted(temp.store);
    const cached = withCachedLookups(store, { maxEntries: 100, epoch: () => 0 });
    const { record, key } = await createApiKey(temp.store, { projectId: 'default', name: 'touched' });
    let now = 1_000_000;
    const identity = { userId: 'u', workspaceId: 'w' };
    for (let i = 0; i < 5; i++) await verifyApiKey(cached, key, identity, () => now);
    assert.equal(calls.get('touchApiKey'), 1);
    now += 59_000;
    await verifyApiKey(cached, key, identity, () => now);
    assert.equal(calls.get('touchApiKey'), 1);
    now += 1_000;
    for (let i = 0; i < 3; i++) await verifyApiKey(cached, key, identity, () => now);
    assert.equal(calls.get('touchApiKey'), 2);
    assert.equal((await temp.store.getApiKey('default', record.id))?.lastUsedAt, now);
    // A revoked key is refused once the epoch has moved (here: a new view, as after a move).
    await temp.store.revokeApiKey('default', record.id, now);
    await expectError(() => verifyApiKey(withCachedLookups(store, { maxEntries: 100, epoch: () => 1 }), key, identity, () => now), 'invalid_api_key');
  });
});
