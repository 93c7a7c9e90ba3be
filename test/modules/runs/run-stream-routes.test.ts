/**
 * POST /v1/runs/stream: system/thread_title on a fresh install (no model provider), as the
 * assistant-cloud client decodes it, and what it refuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssistantCloud, generateThreadTitle } from 'assistant-cloud';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { startListeningServer, type ListeningServer } from '../../helpers/listening-server.js';
import { expectError } from '../../helpers/error-contract.js';

const userText = (text: string) => ({ role: 'user', content: [{ type: 'text', text }] });

describe('POST /v1/runs/stream', () => {
  let t: TestApp;
  let token: string;
  let threadId: string;
  before(async () => {
    t = await createTestApp();
    token = await t.tokenFor('u1', 'w1');
    threadId = (await t.call('POST', '/v1/threads', { token, body: {} })).body.thread_id;
  });
  after(async () => t.close());

  const stream = (body: unknown, options: { token?: string } = {}) =>
    t.app.request('/v1/runs/stream', {
      method: 'POST',
      headers: { Authorization: `Bearer ${options.token ?? token}`, 'Content-Type': 'application/json', Accept: 'text/plain' },
      body: JSON.stringify(body),
    });

  it('system/thread_title streams a title made from the first user message, as text/plain, and stores it', async () => {
    const res = await stream({
      thread_id: threadId,
      assistant_id: 'system/thread_title',
      messages: [userText('  How do I   bake sourdough bread at home without a starter?'), { role: 'assistant', content: [{ type: 'text', text: 'You cannot.' }] }],
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const title = await res.text();
    assert.equal(title, 'How do I bake sourdough bread at home without a starter?');
    assert.equal((await t.call('GET', `/v1/threads/${threadId}`, { token })).body.thread.title, title);
  });

  it('a message of tool calls and no text gets the fallback title', async () => {
    const res = await stream({ thread_id: threadId, assistant_id: 'system/thread_title', messages: [{ role: 'user', content: [{ type: 'tool-call', toolName: 'x' }] }] });
    assert.equal(await res.text(), 'New chat');
  });

  it('an assistant that is no agent is 404 not_found (agents: test/modules/agents/)', async () => {
    const res = await t.call('POST', '/v1/runs/stream', { token, body: { thread_id: threadId, assistant_id: 'my-agent', response_format: 'vercel-ai-data-stream/v1' } });
    expectError(res, 404, 'not_found');
    assert.match(res.body.message, /No agent "my-agent"/);
  });

  it('another workspace\'s thread (or none) is 404 and its title is unchanged', async () => {
    const other = await t.tokenFor('u2', 'w2');
    const before = (await t.call('GET', `/v1/threads/${threadId}`, { token })).body.thread.title;
    const res = await t.call('POST', '/v1/runs/stream', { token: other, body: { thread_id: threadId, assistant_id: 'system/thread_title', messages: [userText('taken')] } });
    expectError(res, 404, 'not_found');
    expectError(await t.call('POST', '/v1/runs/stream', { token, body: { thread_id: 'nope', assistant_id: 'system/thread_title', messages: [] } }), 404, 'not_found');
    assert.equal((await t.call('GET', `/v1/threads/${threadId}`, { token })).body.thread.title, before);
  });

  it('needs threads:write', async () => {
    const reader = await t.tokenFor('u1', 'w1', ['threads:read']);
    expectError(await t.call('POST', '/v1/runs/stream', { token: reader, body: { thread_id: threadId, assistant_id: 'system/thread_title', messages: [] } }), 403, 'forbidden');
  });

  it('refuses a bad body naming the field, and changes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ assistant_id: 'system/thread_title', messages: [] }, 'thread_id'],
      [{ thread_id: threadId, messages: [] }, 'assistant_id'],
      [{ thread_id: threadId, assistant_id: '', messages: [] }, 'assistant_id'],
      [{ thread_id: threadId, assistant_id: 'system/thread_title', messages: 'hi' }, 'messages'],
      [{ thread_id: threadId, assistant_id: 'system/thread_title', messages: [{ content: [] }] }, 'messages.0.role'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/v1/runs/stream', { token, body });
      expectError(res, 400, 'validation_error');
      assert.equal(res.body.field, field, JSON.stringify(body));
    }
  });
});

describe('generateThreadTitle (assistant-cloud) against a real server', () => {
  let s: ListeningServer;
  before(async () => (s = await startListeningServer()));
  after(async () => s.stop());

  it('decodes the streamed title and the thread keeps it', async () => {
    const cloud = new AssistantCloud({ baseUrl: s.url, authToken: async () => s.token });
    const { thread_id: threadId } = await cloud.threads.create({ last_message_at: new Date() });
    const title = await generateThreadTitle(cloud, {
      threadId,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Compare the three cheapest flights from Oslo to Rome next weekend, please' }] }],
    });
    assert.equal(title, 'Compare the three cheapest flights from Oslo to Rome next…');
    assert.equal((await cloud.threads.get(threadId)).title, title);
  });
});
