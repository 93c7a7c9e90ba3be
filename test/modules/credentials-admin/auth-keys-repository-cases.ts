/**
 * Repository cases: authentication keys (run on SQLite and PostgreSQL by
 * credentials-repository.test.ts). Lookups by id with and without the project, lists bounded by project, and deletes that take effect for every connection (the second store plays another process).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createId } from '../../../src/crypto/random-id.js';
import type { AuthKeyRecord } from '../../../src/auth/credential-records.js';
import { scope, type CaseContext } from '../../store/store-cases.js';

type Get = () => CaseContext;

function authKey(projectId: string, extra: Partial<AuthKeyRecord> = {}): AuthKeyRecord {
  return {
    id: createId('ak'),
    projectId,
    name: 'production',
    agents: 'all',
    secretEncrypted: `v1.${createId('sealed')}`,
    createdAt: 1000,
    ...extra,
  };
}

export function authKeyCases(get: Get): void {
  describe('auth keys', () => {
    it('insert, get with and without the project, list newest first within the project, agents round trip', async () => {
      const { store } = get();
      const { projectId } = scope();
      const older = authKey(projectId, { createdAt: 1000, agents: ['support', 'sales'] });
      const newer = authKey(projectId, { createdAt: 2000 });
      const foreign = authKey(scope().projectId);
      for (const key of [older, newer, foreign]) await store.insertAuthKey(key);
      assert.deepEqual(await store.getAuthKey(projectId, older.id), older);
      assert.deepEqual(await store.getAuthKey(undefined, foreign.id), foreign, 'by id alone: the verifier does not know the project yet');
      assert.equal(await store.getAuthKey(projectId, foreign.id), undefined, "another project's key");
      assert.equal(await store.getAuthKey(undefined, 'ak_unknown'), undefined);
      assert.deepEqual(await store.listAuthKeys(projectId), [newer, older], 'newest first, this project only');
      assert.deepEqual(await store.listAuthKeys(scope().projectId), []);
      await assert.rejects(store.insertAuthKey(authKey(projectId, { id: older.id })), 'the id is unique');
    });

    it('user fields (mapUser, migration 011) round trip; a key without them has none', async () => {
      const { store } = get();
      const { projectId } = scope();
      const mapped = authKey(projectId, { userFields: { name: 'name', org: 'https://example.com/org' } });
      const plain = authKey(projectId);
      await store.insertAuthKey(mapped);
      await store.insertAuthKey(plain);
      assert.deepEqual((await store.getAuthKey(undefined, mapped.id))?.userFields, { name: 'name', org: 'https://example.com/org' });
      assert.equal((await store.getAuthKey(undefined, plain.id))?.userFields, undefined);
      assert.deepEqual(await store.getAuthKey(projectId, plain.id), plain);
    });

    it('ties in created_at list by id, newest id first', async () => {
      const { store } = get();
      const { projectId } = scope();
      const keys = [authKey(projectId, { createdAt: 5 }), authKey(projectId, { createdAt: 5 }), authKey(projectId, { createdAt: 5 })];
      for (const key of keys) await store.insertAuthKey(key);
      assert.deepEqual((await store.listAuthKeys(projectId)).map((k) => k.id), keys.map((k) => k.id).reverse());
    });

    it('delete removes the key for every connection, only within its project, and says whether it existed', async () => {
      const { store, peer } = get();
      const { projectId } = scope();
      const key = authKey(projectId);
      const kept = authKey(projectId);
      await store.insertAuthKey(key);
      await store.insertAuthKey(kept);
      assert.deepEqual(await peer.getAuthKey(undefined, key.id), key);
      assert.equal(await store.deleteAuthKey(scope().projectId, key.id), false, 'not from another project');
      assert.ok(await store.getAuthKey(projectId, key.id));
      assert.equal(await store.deleteAuthKey(projectId, key.id), true);
      assert.equal(await peer.getAuthKey(undefined, key.id), undefined, 'gone for the other process at once');
      assert.equal(await store.deleteAuthKey(projectId, key.id), false, 'deleting twice');
      assert.deepEqual(await store.listAuthKeys(projectId), [kept]);
    });

    it('odd names and agent ids round trip unchanged', async () => {
      const { store } = get();
      const { projectId } = scope();
      const key = authKey(projectId, { name: "prod 'key' \"ü\" 🔑 ; drop table auth_keys", agents: ['a"b', "c'd", 'é'] });
      await store.insertAuthKey(key);
      assert.deepEqual(await store.getAuthKey(projectId, key.id), key);
    });
  });
}
