/**
 * Isolation over every memory route: another user in the same workspace, the same user in another
 * workspace, the same ids in another project, and a credential limited to another agent. Every
 * route with a memory id answers 404 (never 403, never data), lists and searches show none of the
 * owner's memories, delete-many deletes none of them, and nothing of the owner's changes. The
 * routes are enumerated from the declared policies, so a new memory route is covered at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { declaredPolicies } from '../../../src/http/define-route.js';
import { mintWorkspaceToken } from '../../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';

describe('memory isolation', () => {
  let t: TestApp;
  let owner: string;
  let ids: string[];
  let snapshot: unknown;
  const intruders: Record<string, string> = {};

  const mint = async (projectId: string, userId: string, workspaceId: string, agents: 'all' | string[]) =>
    (await mintWorkspaceToken(t.deps.keyring, t.deps.config, {
      projectId, userId, workspaceId, scopes: new Set(ALL_SCOPES), agents, anonymous: false, credential: { source: 'workspace_token', id: 'test' },
    })).token;

  before(async () => {
    t = await createTestApp({ THREADGATE_MEMORY_BACKFILL_MS: '0' });
    owner = await t.tokenFor('owner', 'ws-owner');
    const thread = (await t.call('POST', '/v1/threads', { token: owner, body: {} })).body.thread_id as string;
    const created = await t.call('POST', '/v1/memories/batch', {
      token: owner,
      body: { memories: [{ text: 'owner secret zebra', agent_id: 'agent-a', metadata: { k: 'v' }, thread_id: thread }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ids = created.body.memories.map((m: { id: string }) => m.id);
    snapshot = (await t.call('GET', '/v1/memories', { token: owner })).body;
    intruders['another user, same workspace'] = await t.tokenFor('intruder', 'ws-owner');
    intruders['same user, another workspace'] = await t.tokenFor('owner', 'ws-other');
    intruders['same user and workspace, another project'] = await mint('other-project', 'owner', 'ws-owner', 'all');
    intruders['same user, limited to another agent'] = await mint(t.deps.config.projectId, 'owner', 'ws-owner', ['agent-b']);
  });
  after(async () => t.close());

  const bodies: Record<string, unknown> = {
    'PATCH /v1/memories/{memoryId}': { text: 'taken', metadata: { k: 'taken' } },
    'POST /v1/memories/search': { query: 'zebra secret' },
    'POST /v1/memories/delete': { all: true },
    'POST /v1/memories': { text: 'intruder zebra' },
    'POST /v1/memories/batch': { memories: [{ text: 'intruder zebra' }] },
  };

  it('every route with a memory id answers 404 to each intruder', async () => {
    const withIds = [...declaredPolicies.keys()].filter((key) => key.includes('{memoryId}'));
    assert.equal(withIds.length, 3);
    for (const [who, token] of Object.entries(intruders)) {
      for (const key of withIds) {
        const [method, template] = key.split(' ') as [string, string];
        const res = await t.call(method, template.replace('{memoryId}', ids[0]!), { token, ...(method === 'GET' ? {} : { body: bodies[key] ?? {} }) });
        expectError(res, 404, 'not_found');
        assert.ok(!JSON.stringify(res.body).includes('zebra'), `${who}: ${key} leaked`);
      }
    }
  });

  it('lists, searches and delete-many of each intruder see none of the owner\'s memories', async () => {
    // In declaration order: create, create many, list, delete many, search.
    const collection = [...declaredPolicies.keys()].filter((key) => /^(GET|POST) \/v1\/memories/.test(key) && !key.includes('{'));
    assert.equal(collection.length, 5);
    for (const [who, token] of Object.entries(intruders)) {
      for (const key of collection) {
        const [method, path] = key.split(' ') as [string, string];
        const res = await t.call(method, path, { token, ...(method === 'GET' ? {} : { body: bodies[key] ?? {} }) });
        assert.ok(res.status === 200 || res.status === 201, `${who}: ${key} ${res.status} ${JSON.stringify(res.body)}`);
        if (key === 'POST /v1/memories/delete') assert.equal(res.body.deleted, 2, `${who}: deleted its own two writes only`);
        const text = JSON.stringify(res.body);
        assert.ok(!text.includes('owner secret'), `${who}: ${key} leaked`);
        for (const id of ids) assert.ok(!text.includes(id), `${who}: ${key} leaked an id`);
      }
    }
  });

  it('nothing of the owner\'s changed', async () => {
    assert.deepEqual((await t.call('GET', '/v1/memories', { token: owner })).body, snapshot);
    const search = await t.call('POST', '/v1/memories/search', { token: owner, body: { query: 'zebra' } });
    assert.deepEqual(search.body.results.map((hit: any) => hit.memory.id), ids);
  });
});
