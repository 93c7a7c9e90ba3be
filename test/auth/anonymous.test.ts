import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAnonymousSession } from '../../src/auth/anonymous.js';
import { verifyWorkspaceToken } from '../../src/auth/workspace-token.js';
import { hashSecret } from '../../src/crypto/hash.js';
import { createSessionFixture, type SessionFixture } from '../fixtures/session-deps.js';

describe('anonymous session', () => {
  let f: SessionFixture;
  before(async () => {
    f = await createSessionFixture();
  });
  after(async () => f.close());

  it('answers in the exact wire shape the assistant-cloud client reads', async () => {
    const session = await createAnonymousSession(f.deps);
    assert.deepEqual(Object.keys(session).sort(), ['access_token', 'refresh_token']);
    assert.deepEqual(Object.keys(session.refresh_token).sort(), ['expires_at', 'token']);
    assert.match(session.refresh_token.token, /^tg_rt_[A-Za-z0-9_-]{43}$/);
    assert.equal(session.refresh_token.expires_at, new Date(f.deps.clock.now + f.deps.config.refreshTokenTtlSeconds * 1000).toISOString());
  });

  it('creates an anonymous user whose workspace is its own id, with a family and a hashed refresh token', async () => {
    const session = await createAnonymousSession(f.deps);
    const { principal, claims } = await verifyWorkspaceToken(f.deps.keyring, f.deps.config, session.access_token, f.deps.clock);
    assert.match(principal.userId, /^anon_/);
    assert.equal(principal.workspaceId, principal.userId);
    assert.equal(principal.anonymous, true);
    assert.equal(principal.agents, 'all');
    assert.equal(claims.src, 'anonymous');
    const user = await f.deps.store.getUser(principal.projectId, principal.userId);
    assert.equal(user?.anonymous, true);
    const family = await f.deps.store.getRefreshFamily(principal.projectId, principal.credentialId);
    assert.equal(family?.userId, principal.userId);
    assert.equal(family?.workspaceId, principal.userId);
    const record = await f.deps.store.findRefreshTokenByHash(hashSecret(session.refresh_token.token));
    assert.equal(record?.familyId, family?.id);
    assert.ok(!JSON.stringify(record).includes(session.refresh_token.token.slice(6)), 'only the hash is stored');
  });

  it('every session is a different user', async () => {
    const users = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const session = await createAnonymousSession(f.deps);
      users.add((await verifyWorkspaceToken(f.deps.keyring, f.deps.config, session.access_token, f.deps.clock)).principal.userId);
    }
    assert.equal(users.size, 5);
  });
});
