import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_SCOPES, type Principal } from '../../src/auth/principal.js';
import { agentLimits, allowsAgent, checkRoutePolicy, parseScopes } from '../../src/auth/policy.js';
import { expectError } from '../helpers/error-contract.js';

const principal: Principal = {
  projectId: 'default',
  userId: 'alice',
  workspaceId: 'ws-alice',
  source: 'workspace_token',
  credentialId: 'c1',
  scopes: new Set(['threads:read']),
  agents: ['a1'],
  anonymous: true,
  user: {},
};

describe('policy: scopes', () => {
  it('parses a space-separated string and a list alike, keeping only known scopes', () => {
    assert.deepEqual([...parseScopes('threads:read openid  agents:run')], ['threads:read', 'agents:run']);
    assert.deepEqual([...parseScopes(['threads:read', 'profile', 'agents:run'])], ['threads:read', 'agents:run']);
    assert.deepEqual([...parseScopes('')], [], 'an empty scope claim grants nothing');
    assert.deepEqual([...parseScopes(undefined)], [...ALL_SCOPES], 'no scope claim at all grants every scope');
  });
});

describe('policy: agent limits', () => {
  it('keeps all, or a frozen copy of the list', () => {
    const list = ['a1', 'a2'];
    const limits = agentLimits(list);
    assert.deepEqual(limits, ['a1', 'a2']);
    assert.ok(Object.isFrozen(limits) && limits !== list);
    assert.equal(agentLimits('all'), 'all');
  });
});

describe('policy: route rules', () => {
  it('admits what the route asks for', () => {
    checkRoutePolicy({ category: 'data', scope: 'threads:read', sources: ['workspace_token'] }, principal, 'a1');
    assert.equal(allowsAgent(principal, 'a1'), true);
    assert.equal(allowsAgent({ ...principal, agents: 'all' }, 'any'), true);
  });

  it('refuses a missing scope, another source, an anonymous session and another agent, each with forbidden', async () => {
    await expectError(() => checkRoutePolicy({ category: 'data', scope: 'threads:write' }, principal, undefined), 'forbidden');
    await expectError(() => checkRoutePolicy({ category: 'data', scope: 'threads:read', sources: ['api_key'] }, principal, undefined), 'forbidden');
    await expectError(() => checkRoutePolicy({ category: 'data', scope: 'threads:read', denyAnonymous: true }, principal, undefined), 'forbidden');
    await expectError(() => checkRoutePolicy({ category: 'execution', scope: 'threads:read', agentParam: 'agentId' }, principal, 'a2'), 'forbidden');
    assert.equal(allowsAgent(principal, 'a2'), false);
  });
});
