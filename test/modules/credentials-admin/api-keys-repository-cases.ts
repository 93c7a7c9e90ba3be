/**
 * Repository cases: API keys. Found by hash anywhere, read and listed within the project, the
 * first revocation stands, and the last use never goes backwards. Run on SQLite and PostgreSQL by the
 * module's repository suite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createId } from '../../../src/crypto/random-id.js';
import type { ApiKeyRecord } from '../../../src/auth/credential-records.js';
import { scope, type CaseContext } from '../../store/store-cases.js';

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

export function apiKeyCases(get: Get): void {
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

}
