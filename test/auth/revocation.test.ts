import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/auth/api-key.js';
import { checkNotRevoked } from '../../src/auth/revocation.js';
import { expectCode } from '../fixtures/auth-errors.js';
import { createTempStore, type TempStore } from '../fixtures/temp-store.js';

describe('revocation', () => {
  let temp: TempStore;
  const iat = 1_900_000_000;
  before(async () => {
    temp = await createTempStore();
  });
  after(async () => temp.close());

  it('an API key-sourced token dies with its key, and with an unknown key', async () => {
    const { record } = await createApiKey(temp.store, { projectId: 'default', name: 'k' });
    const subject = { projectId: 'default', userId: 'alice', source: 'api_key' as const, credentialId: record.id };
    await checkNotRevoked(temp.store, subject, iat);
    await temp.store.revokeApiKey('default', record.id, Date.now());
    await expectCode(() => checkNotRevoked(temp.store, subject, iat), 'token_revoked');
    await expectCode(() => checkNotRevoked(temp.store, { ...subject, credentialId: 'apikey_unknown' }, iat), 'token_revoked');
    await expectCode(() => checkNotRevoked(temp.store, { ...subject, projectId: 'other' }, iat), 'token_revoked', { message: 'a key of another project' });
  });

  it('an anonymous token dies with its refresh family', async () => {
    await temp.store.insertRefreshFamily({ id: 'rtf_1', projectId: 'default', userId: 'anon_1', workspaceId: 'anon_1', createdAt: 0, revokedAt: null });
    const subject = { projectId: 'default', userId: 'anon_1', source: 'anonymous' as const, credentialId: 'rtf_1' };
    await checkNotRevoked(temp.store, subject, iat);
    await temp.store.revokeRefreshFamily('default', 'rtf_1', Date.now());
    await expectCode(() => checkNotRevoked(temp.store, subject, iat), 'token_revoked');
    await expectCode(() => checkNotRevoked(temp.store, { ...subject, credentialId: 'rtf_unknown' }, iat), 'token_revoked');
  });

  it('any token of a user dies when the user\'s tokens are revoked after it was issued', async () => {
    const subject = { projectId: 'default', userId: 'bob', source: 'workspace_token' as const, credentialId: 'test' };
    await checkNotRevoked(temp.store, subject, iat);
    await temp.store.revokeUserTokens('default', 'bob', iat * 1000 + 500);
    await expectCode(() => checkNotRevoked(temp.store, subject, iat), 'token_revoked', { message: 'issued before' });
    await checkNotRevoked(temp.store, subject, iat + 1);
    await checkNotRevoked(temp.store, { ...subject, userId: 'carol' }, iat);
  });
});
