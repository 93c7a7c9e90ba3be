import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAnonymousSession } from '../../src/auth/anonymous.js';
import { resolveRefreshToken, rotateRefreshToken } from '../../src/auth/refresh-token.js';
import { checkNotRevoked } from '../../src/auth/revocation.js';
import { verifyWorkspaceToken } from '../../src/auth/workspace-token.js';
import { hashSecret } from '../../src/crypto/hash.js';
import { ThreadgateError } from '../../src/errors.js';
import { createSessionFixture, type SessionFixture } from '../fixtures/session-deps.js';
import { expectError } from '../helpers/error-contract.js';

describe('refresh token', () => {
  let f: SessionFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });
  const setup = async (env: Record<string, string> = {}) => {
    f = await createSessionFixture(env);
    return f;
  };
  const familyOf = async (fx: SessionFixture, token: string) => (await fx.deps.store.findRefreshTokenByHash(hashSecret(token)))!.familyId;

  it('rotates: a new refresh token and access token for the same user; the old one is consumed', async () => {
    const fx = await setup();
    const first = await createAnonymousSession(fx.deps);
    fx.deps.clock.advance(1000);
    const second = await rotateRefreshToken(fx.deps, first.refresh_token.token);
    assert.notEqual(second.refresh_token.token, first.refresh_token.token);
    const a = (await verifyWorkspaceToken(fx.deps.keyring, fx.deps.config, first.access_token, fx.deps.clock)).principal;
    const b = (await verifyWorkspaceToken(fx.deps.keyring, fx.deps.config, second.access_token, fx.deps.clock)).principal;
    assert.equal(b.userId, a.userId);
    assert.equal(b.credentialId, a.credentialId, 'same family');
    const old = await fx.deps.store.findRefreshTokenByHash(hashSecret(first.refresh_token.token));
    assert.equal(old?.consumedAt, fx.deps.clock.now);
    assert.equal(old?.successorEncrypted, null, 'no successor kept without a reuse interval');
    assert.equal(second.refresh_token.expires_at, new Date(fx.deps.clock.now + fx.deps.config.refreshTokenTtlSeconds * 1000).toISOString());
    await rotateRefreshToken(fx.deps, second.refresh_token.token);
  });

  it('a reused refresh token revokes the whole family, and its access tokens with it', async () => {
    const fx = await setup();
    const first = await createAnonymousSession(fx.deps);
    const second = await rotateRefreshToken(fx.deps, first.refresh_token.token);
    await expectError(() => rotateRefreshToken(fx.deps, first.refresh_token.token), 'refresh_token_reused', { secrets: [first.refresh_token.token] });
    const family = await fx.deps.store.getRefreshFamily('default', await familyOf(fx, first.refresh_token.token));
    assert.ok(family?.revokedAt !== null);
    await expectError(() => rotateRefreshToken(fx.deps, second.refresh_token.token), 'invalid_refresh_token', { message: 'the successor dies too' });
    await expectError(() => rotateRefreshToken(fx.deps, first.refresh_token.token), 'invalid_refresh_token', { message: 'and stays dead' });
    const { principal, claims } = await verifyWorkspaceToken(fx.deps.keyring, fx.deps.config, second.access_token, fx.deps.clock);
    await expectError(() => checkNotRevoked(fx.deps.store, { ...principal, source: claims.src }, { tva: claims.tva! }), 'token_revoked');
  });

  it('two concurrent refreshes without a reuse interval: one wins, the other is a reuse that ends the session', async () => {
    const fx = await setup();
    const other = await fx.another();
    const session = await createAnonymousSession(fx.deps);
    const results = await Promise.allSettled([rotateRefreshToken(fx.deps, session.refresh_token.token), rotateRefreshToken(other, session.refresh_token.token)]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    assert.equal(won.length, 1, 'exactly one consumes the token');
    assert.equal(lost.length, 1);
    assert.ok(lost[0]!.reason instanceof ThreadgateError && lost[0]!.reason.code === 'refresh_token_reused');
    const family = await fx.deps.store.getRefreshFamily('default', await familyOf(fx, session.refresh_token.token));
    assert.notEqual(family?.revokedAt, null);
  });

  it('two concurrent refreshes within the reuse interval get the same successor', async () => {
    const fx = await setup({ THREADGATE_REFRESH_REUSE_INTERVAL_SECONDS: '10' });
    const other = await fx.another();
    const session = await createAnonymousSession(fx.deps);
    const [a, b] = await Promise.all([rotateRefreshToken(fx.deps, session.refresh_token.token), rotateRefreshToken(other, session.refresh_token.token)]);
    assert.equal(a.refresh_token.token, b.refresh_token.token);
    assert.equal(a.refresh_token.expires_at, b.refresh_token.expires_at);
    const family = await fx.deps.store.getRefreshFamily('default', await familyOf(fx, session.refresh_token.token));
    assert.equal(family?.revokedAt, null);
    await rotateRefreshToken(fx.deps, a.refresh_token.token);
  });

  it('a replay within the reuse interval returns the same successor; after it, the family is revoked', async () => {
    const fx = await setup({ THREADGATE_REFRESH_REUSE_INTERVAL_SECONDS: '10' });
    const session = await createAnonymousSession(fx.deps);
    const first = await rotateRefreshToken(fx.deps, session.refresh_token.token);
    const stored = await fx.deps.store.findRefreshTokenByHash(hashSecret(session.refresh_token.token));
    assert.ok(stored?.successorEncrypted && !stored.successorEncrypted.includes(first.refresh_token.token.slice(6)), 'the successor is kept sealed');
    fx.deps.clock.advance(10_000);
    const replay = await rotateRefreshToken(fx.deps, session.refresh_token.token);
    assert.equal(replay.refresh_token.token, first.refresh_token.token);
    assert.notEqual(replay.access_token, undefined);
    fx.deps.clock.advance(1);
    await expectError(() => rotateRefreshToken(fx.deps, session.refresh_token.token), 'refresh_token_reused');
    await expectError(() => rotateRefreshToken(fx.deps, first.refresh_token.token), 'invalid_refresh_token');
  });

  it('within the interval, a replay whose successor was already used is a reuse', async () => {
    const fx = await setup({ THREADGATE_REFRESH_REUSE_INTERVAL_SECONDS: '10' });
    const session = await createAnonymousSession(fx.deps);
    const first = await rotateRefreshToken(fx.deps, session.refresh_token.token);
    await rotateRefreshToken(fx.deps, first.refresh_token.token);
    await expectError(() => rotateRefreshToken(fx.deps, session.refresh_token.token), 'refresh_token_reused');
  });

  it('refuses malformed, unknown, expired and revoked tokens, and tokens of a user whose tokens were revoked', async () => {
    const fx = await setup();
    for (const value of ['', 'tg_rt_', `tg_rt_${'A'.repeat(43)}`, 'tg_sk_' + 'A'.repeat(43), 'x'.repeat(600), `tg_rt_${'A'.repeat(42)}=`]) {
      await expectError(() => rotateRefreshToken(fx.deps, value), 'invalid_refresh_token', { message: value.slice(0, 20) });
    }
    const expiring = await createAnonymousSession(fx.deps);
    fx.deps.clock.advance(fx.deps.config.refreshTokenTtlSeconds * 1000);
    await expectError(() => rotateRefreshToken(fx.deps, expiring.refresh_token.token), 'invalid_refresh_token', { message: 'expired' });

    const revoked = await createAnonymousSession(fx.deps);
    await fx.deps.store.revokeRefreshFamily('default', await familyOf(fx, revoked.refresh_token.token), fx.deps.clock.now);
    await expectError(() => rotateRefreshToken(fx.deps, revoked.refresh_token.token), 'invalid_refresh_token', { message: 'revoked family' });

    const userRevoked = await createAnonymousSession(fx.deps);
    const { principal } = await verifyWorkspaceToken(fx.deps.keyring, fx.deps.config, userRevoked.access_token, fx.deps.clock);
    fx.deps.clock.advance(1000);
    await fx.deps.store.revokeUserTokens('default', principal.userId, fx.deps.clock.now);
    await expectError(() => rotateRefreshToken(fx.deps, userRevoked.refresh_token.token), 'invalid_refresh_token', { message: 'user revoked' });
  });

  it('resolves a live token to its family for claim, and refuses consumed or revoked ones', async () => {
    const fx = await setup();
    const session = await createAnonymousSession(fx.deps);
    const family = await resolveRefreshToken(fx.deps, session.refresh_token.token);
    const { principal } = await verifyWorkspaceToken(fx.deps.keyring, fx.deps.config, session.access_token, fx.deps.clock);
    assert.equal(family.id, principal.credentialId);
    assert.equal(family.workspaceId, principal.workspaceId);
    const next = await rotateRefreshToken(fx.deps, session.refresh_token.token);
    await expectError(() => resolveRefreshToken(fx.deps, session.refresh_token.token), 'invalid_refresh_token');
    assert.equal((await resolveRefreshToken(fx.deps, next.refresh_token.token)).id, family.id);
    await fx.deps.store.revokeRefreshFamily('default', family.id, fx.deps.clock.now);
    await expectError(() => resolveRefreshToken(fx.deps, next.refresh_token.token), 'invalid_refresh_token');
    const consumedBefore = await fx.deps.store.findRefreshTokenByHash(hashSecret(next.refresh_token.token));
    assert.equal(consumedBefore?.consumedAt, null, 'resolving consumes nothing');
  });
});
