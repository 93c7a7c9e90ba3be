/**
 * Two users in two workspaces: every route that takes a thread or message id, called by the other
 * workspace with the first one's ids, answers 404 (never 403, never data) and changes nothing;
 * the project-wide reads, which no workspace credential may call, answer it 403 and no data.
 * The routes are enumerated from the app, so a new route is covered the day it is added.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { declaredPolicies } from '../../src/http/define-route.js';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../src/auth/principal.js';
import { expectError } from '../helpers/error-contract.js';

describe('workspace isolation', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let threadId: string;
  let messageId: string;
  let leaseId: string;

  before(async () => {
    t = await createTestApp();
    alice = await t.tokenFor('alice', 'ws-alice');
    bob = await t.tokenFor('bob', 'ws-bob');
    threadId = (await t.call('POST', '/v1/threads', { token: alice, body: { title: 'alice only' } })).body.thread_id;
    messageId = (await t.call('POST', `/v1/threads/${threadId}/messages`, {
      token: alice,
      body: { parent_id: null, format: 'aui/v0', content: { text: 'hello' } },
    })).body.message_id;
    leaseId = (await t.call('POST', `/v1/threads/${threadId}/messages`, {
      token: alice,
      body: { parent_id: messageId, format: 'aui/v0', content: { text: 'hello again' }, open_run: true },
    })).body.lease_id;
  });
  after(async () => t.close());

  const bodies: Record<string, unknown> = {
    'PUT /v1/threads/{threadId}': { title: 'taken' },
    'POST /v1/threads/{threadId}/messages': { parent_id: null, format: 'aui/v0', content: {} },
    'PUT /v1/threads/{threadId}/messages/{messageId}': { content: { text: 'taken' }, lease_id: 'LEASE' },
    'POST /v1/threads/{threadId}/runs/{leaseId}/end': { reason: 'cancelled' },
    'DELETE /v1/threads/{threadId}/messages': { message_ids: ['MESSAGE'] },
    'POST /v1/threads/{threadId}/messages/{messageId}/feedback': { type: 'negative' },
  };

  it('every route with a thread or message id answers 404 to the other workspace', async () => {
    const withIds = [...declaredPolicies.keys()].filter((key) => key.includes('{threadId}'));
    assert.ok(withIds.length >= 7, `expected every thread route, found ${withIds.length}`);
    for (const key of withIds) {
      const [method, template] = key.split(' ') as [string, string];
      const path = template.replace('{threadId}', threadId).replace('{messageId}', messageId).replace('{leaseId}', leaseId);
      const body = JSON.parse(JSON.stringify(bodies[key] ?? {}).replace('MESSAGE', messageId).replace('LEASE', leaseId));
      const res = await t.call(method, path, { token: bob, ...(method === 'GET' ? {} : { body }) });
      // The project-wide reads take an API key only (test/modules/threads/projects-routes.test.ts): a workspace
      // token is refused before any id is looked at.
      if (template.startsWith('/v1/projects/')) expectError(res, 403, 'forbidden');
      else expectError(res, 404, 'not_found');
      assert.ok(!JSON.stringify(res.body).includes('hello'), `${key} leaked content`);
    }
  });

  it('telemetry naming the other workspace\'s thread is refused', async () => {
    expectError(await t.call('POST', '/v1/runs', { token: bob, body: { thread_id: threadId, status: 'completed' } }), 404, 'not_found');
    expectError(await t.call('POST', '/v1/scores', { token: bob, body: { name: 's', data_type: 'numeric', value: 1, thread_id: threadId } }), 404, 'not_found');
    expectError(await t.call('POST', '/v1/events', { token: bob, body: { events: [{ kind: 'x', thread_id: threadId }] } }), 404, 'not_found');
  });

  it('a title run on the other workspace\'s thread is refused and leaves its title alone', async () => {
    const body = { thread_id: threadId, assistant_id: 'system/thread_title', messages: [{ role: 'user', content: [{ type: 'text', text: 'taken' }] }] };
    expectError(await t.call('POST', '/v1/runs/stream', { token: bob, body }), 404, 'not_found');
    assert.equal((await t.call('GET', `/v1/threads/${threadId}`, { token: alice })).body.thread.title, 'alice only');
  });

  it('the other workspace\'s file can be neither signed for download nor reached by a guessed key', async () => {
    const upload = (await t.call('POST', '/v1/files/attachments/generate-presigned-upload-url', { token: alice, body: { filename: 'alice.txt' } })).body;
    const put = await t.app.request(upload.signedUrl.replace(/^https?:\/\/[^/]+/, ''), { method: 'PUT', body: 'alice only', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(put.status, 200);
    assert.equal((await t.call('POST', '/v1/files/attachments/generate-presigned-download-url', { token: alice, body: { key: upload.key } })).status, 200);
    for (const body of [{ key: upload.key }, { url: upload.publicUrl }]) {
      const res = await t.call('POST', '/v1/files/attachments/generate-presigned-download-url', { token: bob, body });
      expectError(res, 404, 'not_found');
    }
    const bobTag = (await t.call('POST', '/v1/files/attachments/generate-presigned-upload-url', { token: bob, body: { filename: 'x' } })).body.key.split('/')[0];
    const guessed = `${bobTag}/${upload.key.split('/')[1]}/alice.txt`;
    expectError(await t.call('POST', '/v1/files/attachments/generate-presigned-download-url', { token: bob, body: { key: guessed } }), 404, 'not_found');
    expectError(await t.call('GET', `/v1/files/public/${guessed}`), 404, 'not_found');
  });

  it('lists show only the caller\'s own rows, and nothing of alice\'s changed', async () => {
    assert.deepEqual((await t.call('GET', '/v1/threads', { token: bob })).body, { threads: [] });
    const thread = (await t.call('GET', `/v1/threads/${threadId}`, { token: alice })).body.thread;
    assert.equal(thread.title, 'alice only');
    const messages = (await t.call('GET', `/v1/threads/${threadId}/messages`, { token: alice })).body.messages;
    assert.equal(messages.length, 2);
    assert.deepEqual(messages.map((m: { content: unknown }) => m.content), [{ text: 'hello again' }, { text: 'hello' }]);
    assert.equal(messages[0].run.status, 'running', 'bob\'s end did not end alice\'s lease');
  });

  it('the same workspace id in another project sees nothing', async () => {
    const minted = await mintWorkspaceToken(t.deps.keyring, t.deps.config, {
      projectId: 'other-project',
      userId: 'alice',
      workspaceId: 'ws-alice',
      scopes: new Set(ALL_SCOPES),
      agents: 'all',
      anonymous: false,
      credential: { source: 'workspace_token', id: 'test' },
    });
    expectError(await t.call('GET', `/v1/threads/${threadId}`, { token: minted.token }), 404, 'not_found');
    assert.deepEqual((await t.call('GET', '/v1/threads', { token: minted.token })).body, { threads: [] });
  });
});
