/**
 * Store cases: API keys, signing keys, users, refresh tokens and settings, including the races
 * that the store must settle in the database (a second store on the same database plays the
 * second process).
 *
 * Signing keys and settings are server-wide, so these tests use their own kids and keys, and
 * only the signing-key test inserts signing keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createId } from '../../src/crypto/random-id.js';
import type { ApiKeyRecord, RefreshTokenRecord, SigningKeyRecord } from '../../src/store/store.js';
import { scope, type CaseContext } from './store-cases.js';

type Get = () => CaseContext;

function apiKey(projectId: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: createId('apikey'),
    projectId,
    name: 'ci',
    prefix: 'tg_live_abc',
    keyHash: createId('hash'),
    scopes: 'threads:read threads:write',
    agents: 'all',
    createdAt: 1000,
    lastUsedAt: null,
    revokedAt: null,
    ...extra,
  };
}

function refreshToken(projectId: string, familyId: string): RefreshTokenRecord {
  return { id: createId('rt'), familyId, projectId, tokenHash: createId('hash'), createdAt: 1, expiresAt: 2, consumedAt: null, successorEncrypted: null };
}

export function authCases(get: Get): void {
  describe('api keys', () => {
    it('insert, find by hash, get and list within the project, agents round trip', async () => {
      const { store } = get();
      const { projectId } = scope();
      const older = apiKey(projectId, { createdAt: 1000, agents: ['support', 'sales'] });
      const newer = apiKey(projectId, { createdAt: 2000 });
      const foreign = apiKey(scope().projectId);
      for (const key of [older, newer, foreign]) await store.insertApiKey(key);
      assert.deepEqual(await store.findApiKeyByHash(older.keyHash), older);
      assert.equal(await store.findApiKeyByHash('hash_unknown'), undefined);
      assert.deepEqual(await store.getApiKey(projectId, newer.id), newer);
      assert.equal(await store.getApiKey(projectId, foreign.id), undefined, "another project's key");
      assert.deepEqual(await store.listApiKeys(projectId), [newer, older], 'newest first, this project only');
      await assert.rejects(store.insertApiKey(apiKey(projectId, { keyHash: older.keyHash })), 'key_hash is unique');
    });

    it('revokeApiKey keeps the first revocation, and touchApiKey never goes backwards', async () => {
      const { store } = get();
      const { projectId } = scope();
      const key = apiKey(projectId);
      await store.insertApiKey(key);
      assert.equal(await store.revokeApiKey(scope().projectId, key.id, 5), false, 'not from another project');
      assert.equal((await store.getApiKey(projectId, key.id))?.revokedAt, null);
      assert.equal(await store.revokeApiKey(projectId, key.id, 10), true);
      assert.equal(await store.revokeApiKey(projectId, key.id, 20), true, 'already revoked is still a key');
      assert.equal((await store.getApiKey(projectId, key.id))?.revokedAt, 10);
      assert.equal(await store.revokeApiKey(projectId, 'apikey_missing', 10), false);
      await store.touchApiKey(key.id, 500);
      await store.touchApiKey(key.id, 300);
      assert.equal((await store.findApiKeyByHash(key.keyHash))?.lastUsedAt, 500);
    });
  });

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
    it('upsertUser and revokeUserTokens never loosen tokensValidAfter, and every revocation raises it', async () => {
      const { store } = get();
      const { projectId } = scope();
      await store.upsertUser({ projectId, id: 'u', anonymous: true, createdAt: 10, tokensValidAfter: null });
      assert.deepEqual(await store.getUser(projectId, 'u'), { projectId, id: 'u', anonymous: true, createdAt: 10, tokensValidAfter: null });
      assert.equal(await store.getUser(scope().projectId, 'u'), undefined);
      await store.revokeUserTokens(projectId, 'u', 500);
      assert.equal((await store.getUser(projectId, 'u'))?.tokensValidAfter, 500);
      // An older instant (a lagging clock) or the same one still moves the mark, one ms past the stored one.
      await store.revokeUserTokens(projectId, 'u', 400);
      assert.equal((await store.getUser(projectId, 'u'))?.tokensValidAfter, 501);
      await store.revokeUserTokens(projectId, 'u', 501);
      await store.upsertUser({ projectId, id: 'u', anonymous: false, createdAt: 99, tokensValidAfter: null });
      assert.deepEqual(await store.getUser(projectId, 'u'), { projectId, id: 'u', anonymous: false, createdAt: 10, tokensValidAfter: 502 });
      await store.upsertUser({ projectId, id: 'u', anonymous: false, createdAt: 99, tokensValidAfter: 700 });
      assert.equal((await store.getUser(projectId, 'u'))?.tokensValidAfter, 700);
      await store.upsertUser({ projectId, id: 'u', anonymous: false, createdAt: 99, tokensValidAfter: 600 });
      assert.equal((await store.getUser(projectId, 'u'))?.tokensValidAfter, 701);
      await store.revokeUserTokens(projectId, 'never-seen', 42);
      assert.deepEqual(await store.getUser(projectId, 'never-seen'), { projectId, id: 'never-seen', anonymous: false, createdAt: 42, tokensValidAfter: 42 });
    });

    it('revokeUserTokens also revokes the user\'s sessions (refresh families), and only theirs', async () => {
      const { store } = get();
      const { projectId, workspaceId } = scope();
      const mine = { id: createId('fam'), projectId, userId: 'leaving', workspaceId, createdAt: 5, revokedAt: null };
      const earlier = { ...mine, id: createId('fam'), revokedAt: 7 };
      const theirs = { ...mine, id: createId('fam'), userId: 'staying' };
      for (const family of [mine, earlier, theirs]) await store.insertRefreshFamily(family);
      await store.revokeUserTokens(projectId, 'leaving', 900);
      assert.equal((await store.getRefreshFamily(projectId, mine.id))?.revokedAt, 900);
      assert.equal((await store.getRefreshFamily(projectId, earlier.id))?.revokedAt, 7, 'an earlier revocation stands');
      assert.equal((await store.getRefreshFamily(projectId, theirs.id))?.revokedAt, null);
    });

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
