/**
 * A workspace token exchanged for a user token reaches only the agents its authentication key
 * allows now (issue 14 item 2: a key's agents can change after the exchange). The key is the one
 * the revocation check read (revocation.ts), read once per verification.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { limitToKeyAgents } from '../../src/auth/current-agents.js';
import { checkNotRevoked } from '../../src/auth/revocation.js';
import { ALL_SCOPES, type Principal } from '../../src/auth/principal.js';
import type { AuthKeyRecord, AuthLookups } from '../../src/auth/credential-records.js';

const principal = (agents: Principal['agents']): Principal => ({
  projectId: 'default', userId: 'u', workspaceId: 'w', source: 'workspace_token', credentialId: 'ak_1', scopes: new Set(ALL_SCOPES), agents, anonymous: false, user: {},
});
const keyWith = (agents: AuthKeyRecord['agents']): AuthKeyRecord => ({ id: 'ak_1', projectId: 'default', name: 'k', agents, secretEncrypted: 'v1.x', createdAt: 0 });

describe('limitToKeyAgents', () => {
  it('keeps the agents both the token and the key allow now', () => {
    assert.deepEqual(limitToKeyAgents(principal('all'), keyWith(['a'])).agents, ['a']);
    assert.deepEqual(limitToKeyAgents(principal(['a', 'b']), keyWith(['b', 'c'])).agents, ['b']);
    assert.deepEqual(limitToKeyAgents(principal(['a', 'b']), keyWith(['c'])).agents, []);
    assert.ok(Object.isFrozen(limitToKeyAgents(principal('all'), keyWith(['a'])).agents));
  });

  it('a key for all agents, or no key (a token minted from another credential), leaves the token\'s own agents', () => {
    const limited = principal(['a']);
    assert.equal(limitToKeyAgents(limited, keyWith('all')), limited);
    assert.equal(limitToKeyAgents(limited, undefined), limited);
  });
});

describe('checkNotRevoked hands the authentication key on', () => {
  const subject = { projectId: 'default', userId: 'u', credentialId: 'ak_1' };
  const storeReading = (reads: string[]): Pick<AuthLookups, 'getAuthKey' | 'getApiKey' | 'getAuthRule' | 'getRefreshFamily' | 'getUser'> => ({
    getAuthKey: async (_projectId, id) => (reads.push(`auth key ${id}`), keyWith(['support'])),
    getApiKey: async (projectId, id) => (reads.push(`api key ${id}`), { id, projectId: projectId ?? 'default', revokedAt: null } as never),
    getAuthRule: async () => assert.fail('no rule is read'),
    getRefreshFamily: async () => assert.fail('no session is read'),
    getUser: async () => undefined,
  });

  it('for a token minted from a user token: the key it read, once', async () => {
    const reads: string[] = [];
    const checked = await checkNotRevoked(storeReading(reads) as AuthLookups, { ...subject, source: 'user_token' }, { tva: 0 });
    assert.deepEqual(checked.authKey?.agents, ['support']);
    assert.deepEqual(reads, ['auth key ak_1']);
  });

  it('for any other credential: no key', async () => {
    const reads: string[] = [];
    const checked = await checkNotRevoked(storeReading(reads) as AuthLookups, { ...subject, source: 'api_key' }, { tva: 0 });
    assert.equal(checked.authKey, undefined);
    assert.deepEqual(reads, ['api key ak_1']);
  });
});
