/**
 * Store cases: a user's revocation (`revokeUserTokens`, which the users module calls through its
 * port), which raises the user's mark strictly, never loosened by `upsertUser`, and ends the user's
 * sessions with it. Run on SQLite and PostgreSQL by the store suite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createId } from '../../src/crypto/random-id.js';
import { scope, type CaseContext } from './store-cases.js';

type Get = () => CaseContext;

export function userRevocationCases(get: Get): void {
  describe('users: revocation', () => {
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

  });
}
