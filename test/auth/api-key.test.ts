import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY_PREFIX_LENGTH, createApiKey, validateIdentityHeader, verifyApiKey } from '../../src/auth/api-key.js';
import { hashSecret } from '../../src/crypto/hash.js';
import { createFrozenClock } from '../fixtures/clock.js';
import { createTempStore, type TempStore } from '../fixtures/temp-store.js';
import { expectError } from '../helpers/error-contract.js';

describe('api key', () => {
  let temp: TempStore;
  const clock = createFrozenClock();
  const identity = { userId: 'alice', workspaceId: 'ws-alice' };
  before(async () => {
    temp = await createTempStore();
  });
  after(async () => temp.close());

  it('creates a tg_sk_ key of 32 random bytes, stores only its SHA-256, and shows it once', async () => {
    const { record, key } = await createApiKey(temp.store, { projectId: 'default', name: ' backend ' }, clock);
    assert.match(key, /^tg_sk_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key.slice(6), 'base64url').length, 32);
    assert.equal(record.prefix, key.slice(0, API_KEY_PREFIX_LENGTH));
    assert.equal(record.keyHash, hashSecret(key));
    assert.equal(record.name, 'backend');
    assert.equal(record.scopes, 'threads:read threads:write memory:read memory:write agents:run');
    assert.equal(record.agents, 'all');
    const stored = await temp.store.getApiKey('default', record.id);
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes(key.slice(API_KEY_PREFIX_LENGTH)), 'the key itself is stored nowhere');
    const second = await createApiKey(temp.store, { projectId: 'default', name: 'b' }, clock);
    assert.notEqual(second.key, key);
  });

  it('verifies into a principal with the headers\' user and workspace and the key\'s scopes and agents', async () => {
    const { record, key } = await createApiKey(temp.store, { projectId: 'default', name: 'narrow', scopes: ['threads:read'], agents: ['agent-a'] }, clock);
    const principal = await verifyApiKey(temp.store, key, identity, clock);
    assert.deepEqual(
      { ...principal, scopes: [...principal.scopes] },
      { projectId: 'default', userId: 'alice', workspaceId: 'ws-alice', source: 'api_key', credentialId: record.id, scopes: ['threads:read'], agents: ['agent-a'], anonymous: false, user: {} },
    );
    assert.equal((await temp.store.getApiKey('default', record.id))?.lastUsedAt, clock.now);
  });

  it('refuses unknown, malformed and revoked keys with invalid_api_key, never echoing them', async () => {
    const { record, key } = await createApiKey(temp.store, { projectId: 'default', name: 'to revoke' }, clock);
    const hostile = [
      '',
      'tg_sk_',
      `tg_sk_${'A'.repeat(43)}`,
      key.slice(0, -1),
      `${key}A`,
      `${key} `,
      key.toUpperCase(),
      key.replace('tg_sk_', 'tg_SK_'),
      key.replace('tg_sk_', 'tg_rt_'),
      `${key.slice(0, -1)}=`,
      `tg_sk_${'A'.repeat(42)}\u0000`,
    ];
    for (const value of hostile) {
      await expectError(() => verifyApiKey(temp.store, value, identity, clock), 'invalid_api_key', { secrets: [key, value], message: JSON.stringify(value) });
    }
    await verifyApiKey(temp.store, key, identity, clock);
    assert.equal(await temp.store.revokeApiKey('default', record.id, clock.now), true);
    await expectError(() => verifyApiKey(temp.store, key, identity, clock), 'invalid_api_key', { secrets: [key] });
  });

  it('requires valid Aui-User-Id and Aui-Workspace-Id headers, naming the one at fault', async () => {
    const { key } = await createApiKey(temp.store, { projectId: 'default', name: 'headers' }, clock);
    const bad = [undefined, '', ' ', ' alice', 'alice ', 'a'.repeat(256), 'ali\u0000ce', 'ali\nce', 'ali\tce', 'ali\u007fce', 'ålice', 'alice\r\nX-Admin: 1'];
    for (const value of bad) {
      await expectError(() => verifyApiKey(temp.store, key, { userId: value, workspaceId: 'ws' }, clock), 'validation_error', { field: 'Aui-User-Id', message: JSON.stringify(value) });
      await expectError(() => verifyApiKey(temp.store, key, { userId: 'alice', workspaceId: value }, clock), 'validation_error', { field: 'Aui-Workspace-Id', message: JSON.stringify(value) });
    }
    for (const good of ['a', 'alice@example.com', 'org_1_user_2', 'a'.repeat(255), 'with inner space', 'x:y/z|{}']) {
      assert.equal(validateIdentityHeader('Aui-User-Id', good), good);
    }
  });

  it('validates what it creates: name, scopes and agents', async () => {
    const cases: Array<[Parameters<typeof createApiKey>[1], string]> = [
      [{ projectId: 'default', name: '' }, 'name'],
      [{ projectId: 'default', name: '   ' }, 'name'],
      [{ projectId: 'default', name: 'x'.repeat(201) }, 'name'],
      [{ projectId: 'default', name: 'k', scopes: [] }, 'scopes'],
      [{ projectId: 'default', name: 'k', scopes: ['admin' as never] }, 'scopes'],
      [{ projectId: 'default', name: 'k', agents: [] }, 'agents'],
      [{ projectId: 'default', name: 'k', agents: [''] }, 'agents'],
    ];
    const before = (await temp.store.listApiKeys('default')).length;
    for (const [input, field] of cases) await expectError(() => createApiKey(temp.store, input, clock), 'validation_error', { field });
    assert.equal((await temp.store.listApiKeys('default')).length, before, 'bad input changes nothing');
  });
});
