/**
 * A workspace token exchanged for a user token reaches only the agents its authentication key
 * allows now (issue 14 item 2: a key's agents can change after the exchange).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { limitToKeyAgents } from '../../src/auth/current-agents.js';
import { ALL_SCOPES, type Principal } from '../../src/auth/principal.js';
import type { AuthKeyRecord } from '../../src/auth/credential-records.js';

const principal = (agents: Principal['agents']): Principal => ({
  projectId: 'default', userId: 'u', workspaceId: 'w', source: 'workspace_token', credentialId: 'ak_1', scopes: new Set(ALL_SCOPES), agents, anonymous: false, user: {},
});
const storeWith = (agents: AuthKeyRecord['agents'] | undefined) => ({
  getAuthKey: async (projectId: string | undefined, id: string) => {
    assert.deepEqual([projectId, id], ['default', 'ak_1']);
    return agents === undefined ? undefined : { id, projectId: 'default', name: 'k', agents, secretEncrypted: 'v1.x', createdAt: 0 };
  },
});

describe('limitToKeyAgents', () => {
  it('keeps the agents both the token and the key allow now', async () => {
    assert.deepEqual((await limitToKeyAgents(storeWith(['a']), principal('all'), 'user_token')).agents, ['a']);
    assert.deepEqual((await limitToKeyAgents(storeWith(['b', 'c']), principal(['a', 'b']), 'user_token')).agents, ['b']);
    assert.deepEqual((await limitToKeyAgents(storeWith(['c']), principal(['a', 'b']), 'user_token')).agents, []);
    assert.ok(Object.isFrozen((await limitToKeyAgents(storeWith(['a']), principal('all'), 'user_token')).agents));
  });

  it('a key for all agents, or no key (revocation refuses it), leaves the token\'s own agents', async () => {
    const limited = principal(['a']);
    assert.equal(await limitToKeyAgents(storeWith('all'), limited, 'user_token'), limited);
    assert.equal(await limitToKeyAgents(storeWith(undefined), limited, 'user_token'), limited);
  });

  it('reads nothing for a workspace token minted from any other credential', async () => {
    const store = { getAuthKey: async () => assert.fail('read') };
    for (const source of ['api_key', 'anonymous', 'auth_rule'] as const) {
      const p = principal('all');
      assert.equal(await limitToKeyAgents(store, p, source), p);
    }
  });
});
