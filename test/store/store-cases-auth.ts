/**
 * Store cases: signing keys, users, refresh tokens and settings, including the races
 * that the store must settle in the database (a second store on the same database plays the
 * second process).
 *
 * Signing keys and settings are server-wide, so these tests use their own kids and keys, and
 * only the signing-key test inserts signing keys. (API keys: test/modules/credentials-admin/
 * api-keys-repository-cases.ts; a user's revocation: store-cases-user-revocation.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createId } from '../../src/crypto/random-id.js';
import type { RefreshTokenRecord, SigningKeyRecord } from '../../src/store/store.js';
import { scope, type CaseContext } from './store-cases.js';

type Get = () => CaseContext;

function refreshToken(projectId: string, familyId: string): RefreshTokenRecord {
  return { id: createId('rt'), familyId, projectId, tokenHash: createId('hash'), createdAt: 1, expiresAt: 2, consumedAt: null, successorEncrypted: null };
}

export function authCases(get: Get): void {
  describe('signing keys', () => {
    it('retireSigningKeys retires every active key but one; pruneSigningKeys drops those past publishUntil', async () => {
      const { store } = get();
      const key = (createdAt: number, extra: Partial<SigningKeyRecord> = {}): SigningKeyRecord => ({
        kid: createId('key'), alg: 'ES256', publicJwk: '{"kty":"EC"}', privateJwkEncrypted: 'sealed', createdAt, retiredAt: null, publishUntil: null, ...extra,
      });
      const longRetired = key(100, { retiredAt: 150, publishUntil: 1_000 });
      const old = key(200);
      const current = key(300);
      const next = key(400);
      for (const record of [old, longRetired, next, current]) await store.insertSigningKey(record);
      const mine = async () => (await store.listSigningKeys()).filter((k) => [old, longRetired, current, next].some((m) => m.kid === k.kid));
      assert.deepEqual(await mine(), [next, current, old, longRetired], 'newest first');

      await store.retireSigningKeys(next.kid, 500, 2_000);
      assert.deepEqual(await mine(), [
        next,
        { ...current, retiredAt: 500, publishUntil: 2_000 },
        { ...old, retiredAt: 500, publishUntil: 2_000 },
        longRetired,
      ]);
      assert.equal(await store.pruneSigningKeys(999), 0, 'nothing has passed its publishUntil');
      assert.equal(await store.pruneSigningKeys(1_000), 1, 'at publishUntil the key is no longer published');
      assert.equal(await store.pruneSigningKeys(5_000_000_000_000), 2, 'the active key is never pruned');
      assert.deepEqual(await mine(), [next]);
    });
  });

  describe('users and refresh tokens', () => {
    it('refresh families are read and revoked within their project; the first revocation stands', async () => {
      const { store } = get();
      const { projectId, workspaceId } = scope();
      const family = { id: createId('fam'), projectId, userId: 'u', workspaceId, createdAt: 5, revokedAt: null };
      await store.insertRefreshFamily(family);
      assert.deepEqual(await store.getRefreshFamily(projectId, family.id), family);
      assert.equal(await store.getRefreshFamily(scope().projectId, family.id), undefined);
      await store.revokeRefreshFamily(scope().projectId, family.id, 7);
      assert.equal((await store.getRefreshFamily(projectId, family.id))?.revokedAt, null, 'not from another project');
      await store.revokeRefreshFamily(projectId, family.id, 8);
      await store.revokeRefreshFamily(projectId, family.id, 9);
      assert.equal((await store.getRefreshFamily(projectId, family.id))?.revokedAt, 8);
    });

    it('consumeRefreshToken succeeds once and records the successor', async () => {
      const { store } = get();
      const { projectId } = scope();
      const token = refreshToken(projectId, 'fam');
      await store.insertRefreshToken(token);
      assert.deepEqual(await store.findRefreshTokenByHash(token.tokenHash), token);
      assert.equal(await store.consumeRefreshToken(token.id, 50, 'sealed-successor'), true);
      assert.equal(await store.consumeRefreshToken(token.id, 60, 'other'), false);
      assert.deepEqual(await store.findRefreshTokenByHash(token.tokenHash), { ...token, consumedAt: 50, successorEncrypted: 'sealed-successor' });
      assert.equal(await store.consumeRefreshToken('rt_missing', 60, null), false);
      await assert.rejects(store.insertRefreshToken({ ...refreshToken(projectId, 'fam'), tokenHash: token.tokenHash }), 'token_hash is unique');
    });

    it('two processes consuming one refresh token at once: exactly one wins', async () => {
      const { store, peer } = get();
      const { projectId } = scope();
      for (let round = 0; round < 5; round++) {
        const token = refreshToken(projectId, 'fam');
        await store.insertRefreshToken(token);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : peer).consumeRefreshToken(token.id, 100 + i, `successor-${i}`)),
        );
        assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results}`);
        const winner = results.indexOf(true);
        const stored = await peer.findRefreshTokenByHash(token.tokenHash);
        assert.equal(stored?.successorEncrypted, `successor-${winner}`, "the winner's successor is the one stored");
        assert.equal(stored?.consumedAt, 100 + winner);
      }
    });
  });

  describe('settings', () => {
    it('putSettingIfAbsent keeps the first value, even when several processes race', async () => {
      const { store, peer } = get();
      const key = createId('setting');
      assert.equal(await store.getSetting(key), undefined);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : peer).putSettingIfAbsent(key, `value-${i}`)));
      assert.equal(new Set(results).size, 1, `every caller sees the same value: ${results}`);
      assert.match(results[0]!, /^value-\d$/);
      assert.equal(await store.getSetting(key), results[0]);
      assert.equal(await peer.putSettingIfAbsent(key, 'late'), results[0]);
    });

    it('putSetting replaces the value', async () => {
      const { store, peer } = get();
      const key = createId('setting');
      await store.putSetting(key, 'one');
      assert.equal(await peer.getSetting(key), 'one');
      await peer.putSetting(key, 'two');
      assert.equal(await store.getSetting(key), 'two');
    });
  });
}
