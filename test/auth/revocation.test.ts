import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/auth/api-key.js';
import assert from 'node:assert/strict';
import { checkNotRevoked, isBeforeUserRevocation, readUserRevocationMark } from '../../src/auth/revocation.js';
import { createTempStore, type TempStore } from '../fixtures/temp-store.js';
import { expectError } from '../helpers/error-contract.js';

describe('revocation', () => {
  let temp: TempStore;
  const iat = 1_900_000_000;
  const mark = { iat };
  before(async () => {
    temp = await createTempStore();
  });
  after(async () => temp.close());

  it('an API key-sourced token dies with its key, and with an unknown key', async () => {
    const { record } = await createApiKey(temp.store, { projectId: 'default', name: 'k' });
    const subject = { projectId: 'default', userId: 'alice', source: 'api_key' as const, credentialId: record.id };
    await checkNotRevoked(temp.store, subject, mark);
    await temp.store.revokeApiKey('default', record.id, Date.now());
    await expectError(() => checkNotRevoked(temp.store, subject, mark), 'token_revoked');
    await expectError(() => checkNotRevoked(temp.store, { ...subject, credentialId: 'apikey_unknown' }, mark), 'token_revoked');
    await expectError(() => checkNotRevoked(temp.store, { ...subject, projectId: 'other' }, mark), 'token_revoked', { message: 'a key of another project' });
  });

  it('an anonymous token dies with its refresh family', async () => {
    await temp.store.insertRefreshFamily({ id: 'rtf_1', projectId: 'default', userId: 'anon_1', workspaceId: 'anon_1', createdAt: 0, revokedAt: null });
    const subject = { projectId: 'default', userId: 'anon_1', source: 'anonymous' as const, credentialId: 'rtf_1' };
    await checkNotRevoked(temp.store, subject, mark);
    await temp.store.revokeRefreshFamily('default', 'rtf_1', Date.now());
    await expectError(() => checkNotRevoked(temp.store, subject, mark), 'token_revoked');
    await expectError(() => checkNotRevoked(temp.store, { ...subject, credentialId: 'rtf_unknown' }, mark), 'token_revoked');
  });

  it('any token of a user dies when the user\'s tokens are revoked after it was issued', async () => {
    const subject = { projectId: 'default', userId: 'bob', source: 'workspace_token' as const, credentialId: 'test' };
    await checkNotRevoked(temp.store, subject, mark);
    await temp.store.revokeUserTokens('default', 'bob', iat * 1000 + 500);
    await expectError(() => checkNotRevoked(temp.store, subject, mark), 'token_revoked', { message: 'issued before' });
    await checkNotRevoked(temp.store, subject, { iat: iat + 1 });
    await checkNotRevoked(temp.store, { ...subject, userId: 'carol' }, mark);
  });

  it('a workspace token with tva is refused exactly when the user\'s mark moved past it, whatever its iat', async () => {
    const subject = { projectId: 'default', userId: 'gina', source: 'workspace_token' as const, credentialId: 'test' };
    assert.equal(await readUserRevocationMark(temp.store, subject), 0, 'never revoked: mark 0');
    await checkNotRevoked(temp.store, subject, { tva: 0 });
    await temp.store.revokeUserTokens('default', 'gina', iat * 1000 + 500);
    const after = await readUserRevocationMark(temp.store, subject);
    assert.equal(after, iat * 1000 + 500);
    await expectError(() => checkNotRevoked(temp.store, subject, { tva: 0 }), 'token_revoked', { message: 'minted before' });
    // Minted after it, in the same second (or by a process whose clock lags): never refused by it.
    await checkNotRevoked(temp.store, subject, { tva: after });
    // A second revocation in the same millisecond (or with an older clock) still moves the mark.
    await temp.store.revokeUserTokens('default', 'gina', iat * 1000 + 500);
    await temp.store.revokeUserTokens('default', 'gina', iat * 1000 - 9000);
    assert.equal(await readUserRevocationMark(temp.store, subject), after + 2);
    await expectError(() => checkNotRevoked(temp.store, subject, { tva: after }), 'token_revoked', { message: 'minted before the later revocation' });
  });

  it('a user token or identity-provider token being exchanged is refused when issued before the revocation', async () => {
    const principal = { projectId: 'default', userId: 'hugo', issuedAt: iat };
    assert.equal(await readUserRevocationMark(temp.store, principal), 0);
    await temp.store.revokeUserTokens('default', 'hugo', iat * 1000 + 1);
    await expectError(() => readUserRevocationMark(temp.store, principal), 'token_revoked', { message: 'issued in the revocation\'s second' });
    await expectError(() => readUserRevocationMark(temp.store, { ...principal, issuedAt: null }), 'token_revoked', { message: 'no iat' });
    assert.equal(await readUserRevocationMark(temp.store, { ...principal, issuedAt: iat + 1 }), iat * 1000 + 1);
    // An API key acting for the user (no issuedAt) is not the user's token: it still mints.
    assert.equal(await readUserRevocationMark(temp.store, { projectId: 'default', userId: 'hugo' }), iat * 1000 + 1);
  });

  it('the rule for tokens with only iat (seconds)', () => {
    assert.equal(isBeforeUserRevocation(null, { iat: undefined }), false, 'never revoked: no iat is fine');
    assert.equal(isBeforeUserRevocation(1_000_500, { iat: undefined }), true, 'revoked: no iat is refused');
    assert.equal(isBeforeUserRevocation(1_000_500, { iat: 999 }), true);
    assert.equal(isBeforeUserRevocation(1_000_500, { iat: 1000 }), true, 'the same second, after the revocation: refused too');
    assert.equal(isBeforeUserRevocation(1_000_500, { iat: 1001 }), false);
    assert.equal(isBeforeUserRevocation(1_000_000, { iat: 1000 }), false, 'issued at the very millisecond: accepted');
  });
});
