/**
 * The memory HTTP API: shapes, validation naming the field (and writing nothing), agent limits,
 * keyset pages, delete-many, search without embeddings, a thread_id the caller cannot see (issue
 * 14: 404 as the threads routes answer), and the admin count/list/erase routes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { mintWorkspaceToken } from '../../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { HOSTILE_QUERIES } from './memory-store-cases.js';

describe('memory routes', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await createTestApp({ THREADGATE_MEMORY_BACKFILL_MS: '0' });
    token = await t.tokenFor('routes-user', 'ws-routes');
  });
  after(async () => t.close());

  const count = async (tk = token) => (await t.call('GET', '/v1/memories?limit=100', { token: tk })).body.memories.length as number;

  const newThread = async (tk = token) => (await t.call('POST', '/v1/threads', { token: tk, body: {} })).body.thread_id as string;

  it('creates one memory and answers it in the wire shape', async () => {
    const threadId = await newThread();
    const res = await t.call('POST', '/v1/memories', {
      token,
      body: { text: 'Prefers window seats', metadata: { topic: 'travel' }, agent_id: 'travel-agent', thread_id: threadId, expires_at: '2099-01-01T00:00:00Z' },
    });
    assert.equal(res.status, 201);
    const memory = res.body.memory;
    assert.match(memory.id, /^mem_/);
    assert.deepEqual({ ...memory, id: undefined, created_at: undefined, updated_at: undefined }, {
      id: undefined, created_at: undefined, updated_at: undefined,
      text: 'Prefers window seats', metadata: { topic: 'travel' }, agent_id: 'travel-agent', thread_id: threadId, expires_at: '2099-01-01T00:00:00.000Z',
    });
    assert.deepEqual((await t.call('GET', `/v1/memories/${memory.id}`, { token })).body.memory, memory);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const before = await count();
    const cases: Array<[unknown, string]> = [
      [{ text: '' }, 'text'],
      [{ text: 'a\u0000b' }, 'text'],
      [{ text: 'x'.repeat(16_385) }, 'text'],
      [{ text: 'ok', metadata: [1] }, 'metadata'],
      [{ text: 'ok', metadata: 'string' }, 'metadata'],
      [{ text: 'ok', metadata: { big: 'x'.repeat(17_000) } }, 'metadata'],
      [{ text: 'ok', metadata: { k: 'nul\u0000' } }, 'metadata'],
      [{ text: 'ok', expires_at: '2000-01-01T00:00:00Z' }, 'expires_at'],
      [{ text: 'ok', expires_at: 'tomorrow' }, 'expires_at'],
      [{ text: 'ok', agent_id: 'has space' }, 'agent_id'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/v1/memories', { token, body });
      expectError(res, 400, 'validation_error');
      assert.equal(res.body.field, field, JSON.stringify(body).slice(0, 60));
    }
    const batch = await t.call('POST', '/v1/memories/batch', { token, body: { memories: [{ text: 'fine' }, { text: 'fine too' }, { text: 'bad', metadata: [] }] } });
    expectError(batch, 400, 'validation_error');
    assert.equal(batch.body.field, 'memories.2.metadata');
    const tooMany = await t.call('POST', '/v1/memories/batch', { token, body: { memories: Array.from({ length: 101 }, () => ({ text: 'x' })) } });
    expectError(tooMany, 400, 'validation_error');
    assert.equal(await count(), before, 'nothing was written');
  });

  it('creates a batch and pages through the list by cursor, with filters', async () => {
    const user = await t.tokenFor('pager', 'ws-routes');
    const created = await t.call('POST', '/v1/memories/batch', {
      token: user,
      body: { memories: Array.from({ length: 5 }, (_, i) => ({ text: `fact ${i}`, metadata: { i, kind: i % 2 ? 'odd' : 'even' } })) },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.memories.length, 5);
    const first = await t.call('GET', '/v1/memories?limit=2', { token: user });
    assert.equal(first.body.memories.length, 2);
    assert.equal(typeof first.body.next_cursor, 'string');
    const rest = await t.call('GET', `/v1/memories?limit=10&cursor=${encodeURIComponent(first.body.next_cursor)}`, { token: user });
    assert.equal(rest.body.memories.length, 3);
    assert.equal(rest.body.next_cursor, null);
    const ids = [...first.body.memories, ...rest.body.memories].map((m: any) => m.id);
    assert.equal(new Set(ids).size, 5);
    const odd = await t.call('GET', `/v1/memories?metadata=${encodeURIComponent('{"kind":"odd"}')}`, { token: user });
    assert.deepEqual(odd.body.memories.map((m: any) => m.text).sort(), ['fact 1', 'fact 3']);
    const bad = await t.call('GET', '/v1/memories?metadata=%7Bnot-json', { token: user });
    expectError(bad, 400, 'validation_error');
    assert.equal(bad.body.field, 'metadata');
    const badKey = await t.call('GET', `/v1/memories?metadata=${encodeURIComponent('{"a.b":1}')}`, { token: user });
    expectError(badKey, 400, 'validation_error');
    expectError(await t.call('GET', '/v1/memories?cursor=garbage', { token: user }), 400, 'validation_error');
    const range = await t.call('GET', `/v1/memories?created_after=${encodeURIComponent('2099-01-01T00:00:00Z')}`, { token: user });
    assert.deepEqual(range.body.memories, []);
  });

  it('updates and deletes one memory', async () => {
    const id = (await t.call('POST', '/v1/memories', { token, body: { text: 'Lives in Lyon', metadata: { a: 1 } } })).body.memory.id;
    const updated = await t.call('PATCH', `/v1/memories/${id}`, { token, body: { text: 'Lives in Lisbon', expires_at: null } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.memory.text, 'Lives in Lisbon');
    assert.deepEqual(updated.body.memory.metadata, { a: 1 }, 'metadata left out is kept');
    const cleared = await t.call('PATCH', `/v1/memories/${id}`, { token, body: { metadata: null } });
    assert.equal(cleared.body.memory.metadata, null);
    expectError(await t.call('PATCH', `/v1/memories/${id}`, { token, body: { text: '' } }), 400, 'validation_error');
    assert.equal((await t.call('DELETE', `/v1/memories/${id}`, { token })).status, 204);
    expectError(await t.call('GET', `/v1/memories/${id}`, { token }), 404, 'not_found');
    expectError(await t.call('DELETE', `/v1/memories/${id}`, { token }), 404, 'not_found');
  });

  it('deletes many by filter; an empty filter needs all: true', async () => {
    const user = await t.tokenFor('bulk', 'ws-routes');
    const [t1, t2] = [await newThread(user), await newThread(user)];
    assert.equal((await t.call('POST', '/v1/memories/batch', { token: user, body: { memories: [{ text: 'a', thread_id: t1 }, { text: 'b', thread_id: t1 }, { text: 'c', thread_id: t2 }] } })).status, 201);
    const refused = await t.call('POST', '/v1/memories/delete', { token: user, body: {} });
    expectError(refused, 400, 'validation_error');
    assert.equal(refused.body.field, 'all');
    assert.deepEqual((await t.call('POST', '/v1/memories/delete', { token: user, body: { thread_id: t1 } })).body, { deleted: 2 });
    assert.equal(await count(user), 1);
    assert.deepEqual((await t.call('POST', '/v1/memories/delete', { token: user, body: { all: true } })).body, { deleted: 1 });
    assert.equal(await count(user), 0);
  });

  it('searches by keyword without embeddings; hostile queries are never an error', async () => {
    const user = await t.tokenFor('searcher', 'ws-routes');
    await t.call('POST', '/v1/memories', { token: user, body: { text: 'Allergic to shellfish' } });
    const res = await t.call('POST', '/v1/memories/search', { token: user, body: { query: 'shellfish allergy?' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.mode, 'keyword');
    assert.equal(res.body.results.length, 1);
    assert.equal(typeof res.body.results[0].score, 'number');
    assert.equal(typeof res.body.results[0].keyword_score, 'number');
    for (const query of HOSTILE_QUERIES.filter((q) => q.trim() !== '' && !q.includes('\ud800'))) {
      const hostile = await t.call('POST', '/v1/memories/search', { token: user, body: { query: query.slice(0, 2000) } });
      assert.equal(hostile.status, 200, `${JSON.stringify(query.slice(0, 20))}: ${JSON.stringify(hostile.body)}`);
    }
    expectError(await t.call('POST', '/v1/memories/search', { token: user, body: { query: 'x', mode: 'semantic' } }), 404, 'feature_disabled');
    expectError(await t.call('POST', '/v1/memories/search', { token: user, body: { query: '' } }), 400, 'validation_error');
  });

  it('agent limits: a limited credential reaches its agents and the unscoped memories, and may not write or filter another agent', async () => {
    const minted = await mintWorkspaceToken(t.deps.keyring, t.deps.config, {
      projectId: t.deps.config.projectId, userId: 'agents-user', workspaceId: 'ws-routes', scopes: new Set(ALL_SCOPES), agents: ['a1'], anonymous: false,
      credential: { source: 'workspace_token', id: 'test' },
    });
    const full = await t.tokenFor('agents-user', 'ws-routes');
    await t.call('POST', '/v1/memories/batch', { token: full, body: { memories: [{ text: 'for a1', agent_id: 'a1' }, { text: 'for a2', agent_id: 'a2' }, { text: 'for all' }] } });
    const seen = (await t.call('GET', '/v1/memories', { token: minted.token })).body.memories.map((m: any) => m.text).sort();
    assert.deepEqual(seen, ['for a1', 'for all']);
    expectError(await t.call('POST', '/v1/memories', { token: minted.token, body: { text: 'x', agent_id: 'a2' } }), 403, 'forbidden');
    expectError(await t.call('GET', '/v1/memories?agent_id=a2', { token: minted.token }), 403, 'forbidden');
    assert.equal((await t.call('POST', '/v1/memories', { token: minted.token, body: { text: 'y', agent_id: 'a1' } })).status, 201);
    assert.equal((await t.call('POST', '/v1/memories', { token: minted.token, body: { text: 'z' } })).status, 201);
    // An API key limited to a2, acting for the user through Aui-User-Id.
    const key = (await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'mem-a2', agents: ['a2'] } })).body.key as string;
    const viaKey = await t.call('GET', '/v1/memories', { token: key, headers: { 'Aui-User-Id': 'agents-user', 'Aui-Workspace-Id': 'ws-routes' } });
    assert.deepEqual(viaKey.body.memories.map((m: any) => m.text).sort(), ['for a2', 'for all', 'z']);
  });

  it('scopes: memory:read reads but cannot write', async () => {
    const reader = await t.tokenFor('routes-user', 'ws-routes', ['memory:read']);
    assert.equal((await t.call('GET', '/v1/memories', { token: reader })).status, 200);
    const refused = await t.call('POST', '/v1/memories', { token: reader, body: { text: 'nope' } });
    expectError(refused, 403, 'forbidden');
    assert.equal(refused.body.scope, 'memory:write');
  });

  it('a thread_id must name a thread of the caller\'s workspace: else 404 not_found as GET /v1/threads/{id} answers, and nothing changes', async () => {
    const own = await newThread();
    const other = await newThread(await t.tokenFor('routes-user', 'ws-elsewhere'));
    const memory = (await t.call('POST', '/v1/memories', { token, body: { text: 'threaded heron', thread_id: own } })).body.memory;
    assert.equal(memory.thread_id, own);
    const before = (await t.call('GET', '/v1/memories?limit=100', { token })).body;
    for (const threadId of [other, 'thread_never_made']) {
      const asThreads = await t.call('GET', `/v1/threads/${threadId}`, { token });
      expectError(asThreads, 404, 'not_found');
      const attempts = [
        await t.call('POST', '/v1/memories', { token, body: { text: 'stray heron', thread_id: threadId } }),
        await t.call('POST', '/v1/memories/batch', { token, body: { memories: [{ text: 'fine heron' }, { text: 'stray heron', thread_id: threadId }] } }),
        await t.call('PATCH', `/v1/memories/${memory.id}`, { token, body: { text: 'moved heron', thread_id: threadId } }),
        await t.call('GET', `/v1/memories?thread_id=${threadId}`, { token }),
        await t.call('POST', '/v1/memories/search', { token, body: { query: 'heron', thread_id: threadId } }),
        await t.call('POST', '/v1/memories/delete', { token, body: { thread_id: threadId } }),
      ];
      for (const res of attempts) {
        expectError(res, 404, 'not_found');
        assert.deepEqual(res.body, asThreads.body, 'the threads routes\' own answer');
      }
    }
    assert.deepEqual((await t.call('GET', '/v1/memories?limit=100', { token })).body, before, 'nothing written or changed');
    const moved = await t.call('PATCH', `/v1/memories/${memory.id}`, { token, body: { thread_id: null } });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.memory.thread_id, null);
    assert.equal((await t.call('PATCH', `/v1/memories/${memory.id}`, { token, body: { thread_id: own } })).body.memory.thread_id, own);
    assert.deepEqual((await t.call('GET', `/v1/memories?thread_id=${own}`, { token })).body.memories.map((m: { id: string }) => m.id), [memory.id]);
  });

  it('admin: counts, lists and erases a user\'s memories in every workspace', async () => {
    const w1 = await t.tokenFor('erasable', 'ws-1');
    const w2 = await t.tokenFor('erasable', 'ws-2');
    await t.call('POST', '/v1/memories', { token: w1, body: { text: 'one' } });
    await t.call('POST', '/v1/memories', { token: w2, body: { text: 'two' } });
    const listed = await t.call('GET', '/admin/v1/users/erasable/memories?limit=1', { token: TEST_ADMIN_KEY });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.count, 2);
    assert.equal(listed.body.memories.length, 1);
    assert.ok(['ws-1', 'ws-2'].includes(listed.body.memories[0].workspace_id));
    assert.equal(typeof listed.body.next_cursor, 'string');
    const erased = await t.call('DELETE', '/admin/v1/users/erasable/memories', { token: TEST_ADMIN_KEY });
    assert.deepEqual(erased.body, { user_id: 'erasable', erased: 2 });
    assert.equal((await t.call('GET', '/admin/v1/users/erasable/memories', { token: TEST_ADMIN_KEY })).body.count, 0);
    assert.ok((await count()) > 0, 'other users kept theirs');
  });
});
