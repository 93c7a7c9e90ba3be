import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyring, SIGNING_KEY_PURPOSE } from '../../src/auth/keyring.js';
import type { Store } from '../../src/store/store.js';
import { createFrozenClock, type FrozenClock } from '../fixtures/clock.js';
import { createTempStore, createTestSecretBox, type TempStore } from '../fixtures/temp-store.js';

/** Counts listSigningKeys calls: how often the keyring goes to the store. */
function countLoads(store: Store): { store: Store; loads: () => number } {
  let loads = 0;
  // The store is frozen: wrap it in a plain object whose methods call the real ones.
  const counted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) counted[name] = typeof value === 'function' ? value.bind(store) : value;
  counted.listSigningKeys = async () => {
    loads++;
    return store.listSigningKeys();
  };
  return { store: counted as unknown as Store, loads: () => loads };
}

describe('keyring', () => {
  let temp: TempStore;
  let clock: FrozenClock;
  const secretBox = createTestSecretBox();
  const base = { workspaceTokenTtlSeconds: 300, clockToleranceSeconds: 30, refreshIntervalMs: 30_000 };

  beforeEach(async () => {
    temp = await createTempStore();
    clock = createFrozenClock();
  });
  afterEach(async () => temp.close());

  it('creates one ES256 key on first start and reuses it afterwards', async () => {
    const first = await createKeyring({ ...base, store: temp.store, secretBox, clock });
    const second = await createKeyring({ ...base, store: temp.store, secretBox, clock });
    assert.equal((await temp.store.listSigningKeys()).length, 1);
    assert.equal((await first.signingKey()).kid, (await second.signingKey()).kid);
    assert.equal((await first.signingKey()).alg, 'ES256');
  });

  it('publishes only public members with kid, alg and use, and stores the private key sealed', async () => {
    const keyring = await createKeyring({ ...base, store: temp.store, secretBox, clock });
    const { keys } = await keyring.jwks();
    assert.equal(keys.length, 1);
    const [jwk] = keys;
    assert.deepEqual(Object.keys(jwk!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(jwk!.use, 'sig');
    const [record] = await temp.store.listSigningKeys();
    const privateJwk = JSON.parse(secretBox.open(record!.privateJwkEncrypted, SIGNING_KEY_PURPOSE)) as { d: string };
    assert.ok(!record!.privateJwkEncrypted.includes(privateJwk.d), 'the private key is not stored in clear');
    assert.ok(!record!.publicJwk.includes(privateJwk.d));
    const { privateKey } = await keyring.signingKey();
    assert.equal(privateKey.extractable, false, 'the in-memory private key cannot be exported');
  });

  it('a wrong master key cannot open the signing key', async () => {
    await createKeyring({ ...base, store: temp.store, secretBox, clock });
    const other = await createKeyring({ ...base, store: temp.store, secretBox: createTestSecretBox(), clock });
    await assert.rejects(() => other.signingKey());
  });

  it('rotation keeps the old key published until every token it signed has expired', async () => {
    const keyring = await createKeyring({ ...base, store: temp.store, secretBox, clock });
    const oldKid = (await keyring.signingKey()).kid;
    clock.advance(1000);
    const newKid = await keyring.rotate();
    assert.notEqual(newKid, oldKid);
    assert.equal((await keyring.signingKey()).kid, newKid);
    assert.deepEqual((await keyring.jwks()).keys.map((key) => key.kid), [newKid, oldKid]);

    // publishUntil = rotation + ttl + tolerance + refresh interval.
    const until = 300_000 + 30_000 + 30_000;
    clock.advance(until - 1);
    assert.ok(await keyring.getVerificationKey(oldKid), 'still published just before');
    assert.deepEqual((await keyring.jwks()).keys.map((key) => key.kid), [newKid, oldKid]);
    clock.advance(1);
    assert.equal(await keyring.getVerificationKey(oldKid), undefined, 'gone when every token has expired');
    assert.deepEqual((await keyring.jwks()).keys.map((key) => key.kid), [newKid]);
    assert.ok(await keyring.getVerificationKey(newKid));
    // The next rotation prunes it from the store.
    await keyring.rotate();
    assert.ok(!(await temp.store.listSigningKeys()).some((record) => record.kid === oldKid));
  });

  it('sees another process rotate: signing follows within the refresh interval', async () => {
    const here = await createKeyring({ ...base, store: temp.store, secretBox, clock });
    const there = await createKeyring({ ...base, store: await temp.openAnother(), secretBox, clock });
    const oldKid = (await here.signingKey()).kid;
    const newKid = await there.rotate();
    assert.equal((await here.signingKey()).kid, oldKid, 'until the refresh interval passes');
    clock.advance(base.refreshIntervalMs);
    assert.equal((await here.signingKey()).kid, newKid);
  });

  it('the JWKS shows another process\'s rotation at once', async () => {
    const here = await createKeyring({ ...base, store: temp.store, secretBox, clock });
    const there = await createKeyring({ ...base, store: await temp.openAnother(), secretBox, clock });
    const oldKid = (await here.signingKey()).kid;
    const newKid = await there.rotate();
    assert.deepEqual((await here.jwks()).keys.map((key) => key.kid), [newKid, oldKid]);
  });

  it('sees another process rotate: a token under the new kid is verified at once', async () => {
    const here = await createKeyring({ ...base, store: temp.store, secretBox, clock });
    const there = await createKeyring({ ...base, store: await temp.openAnother(), secretBox, clock });
    const newKid = await there.rotate();
    assert.ok(await here.getVerificationKey(newKid), 'the unknown kid reloads the key list');
    assert.equal((await here.signingKey()).kid, newKid, 'and that reload also moves signing to the new key');
  });

  it('unknown kids reload once per cooldown, in a single flight, and malformed kids never', async () => {
    const counted = countLoads(temp.store);
    const keyring = await createKeyring({ ...base, store: counted.store, secretBox, clock, unknownKidCooldownMs: 1000 });
    const before = counted.loads();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => keyring.getVerificationKey(`key_unknown${i}`)));
    assert.ok(results.every((result) => result === undefined));
    assert.equal(counted.loads() - before, 1, 'a flood of unknown kids is one query');
    await keyring.getVerificationKey('key_unknown_again');
    assert.equal(counted.loads() - before, 1, 'within the cooldown: no query');
    clock.advance(1000);
    await keyring.getVerificationKey('key_unknown_later');
    assert.equal(counted.loads() - before, 2, 'after the cooldown: one more');
    clock.advance(1000);
    for (const kid of ['', '../../etc/passwd', 'k'.repeat(65), 'key 1', 'key\u0000', 'ключ']) {
      assert.equal(await keyring.getVerificationKey(kid), undefined);
    }
    assert.equal(counted.loads() - before, 2, 'malformed kids are not looked up');
  });

  it('two processes starting on an empty store each get a key, and each verifies the other', async () => {
    const other = await temp.openAnother();
    const [a, b] = await Promise.all([
      createKeyring({ ...base, store: temp.store, secretBox, clock }),
      createKeyring({ ...base, store: other, secretBox, clock }),
    ]);
    const kidA = (await a.signingKey()).kid;
    const kidB = (await b.signingKey()).kid;
    assert.ok(await a.getVerificationKey(kidB));
    assert.ok(await b.getVerificationKey(kidA));
  });

  it('refuses nonsense lifetimes at construction', async () => {
    await assert.rejects(() => createKeyring({ ...base, workspaceTokenTtlSeconds: 0, store: temp.store, secretBox }), TypeError);
    await assert.rejects(() => createKeyring({ ...base, clockToleranceSeconds: -1, store: temp.store, secretBox }), TypeError);
  });
});
