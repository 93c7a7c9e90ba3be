/**
 * The agents module over HTTP (issue 14): providers and agents through the admin API, cards, and
 * runs against a deterministic OpenAI-protocol peer (test/helpers/openai-peer.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { kyselyOf } from '../../../src/store/kysely-store.js';

const PROVIDER_KEY = 'sk-test-provider-key-0123456789';

/** The parts of an AI SDK UI message stream (Server-Sent Events). */
export function uiParts(text: string): any[] {
  return text.split('\n\n').map((event) => event.replace(/^data: /, '').trim()).filter((data) => data !== '' && data !== '[DONE]').map((data) => JSON.parse(data));
}

export async function setUpAgents(t: TestApp, peer: OpenAiPeer, models = ['echo', 'fail', 'garbage', 'slow', 'cutoff', 'tool', 'title']): Promise<void> {
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const provider = await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, api_key: PROVIDER_KEY, models } });
  assert.equal(provider.status, 201, JSON.stringify(provider.body));
  for (const model of models) {
    const agent = await t.call('POST', '/admin/v1/agents', {
      headers: admin,
      body: { id: model === 'echo' ? 'helper' : `m-${model}`, name: `Agent ${model}`, description: 'Helps.', instructions: 'You help {user.id} in {user.workspace}. Secret plan: {user.missing}.', provider_id: 'peer', model, temperature: 0.2, max_output_tokens: 64, card: { avatar: 'https://example.com/a.png' } },
    });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
  }
}

describe('agents routes', () => {
  let t: TestApp;
  let peer: OpenAiPeer;
  let token: string;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  before(async () => {
    peer = await startOpenAiPeer();
    t = await createTestApp({ THREADGATE_AGENT_RUN_TIMEOUT_MS: '1500' });
    await setUpAgents(t, peer);
    token = await t.tokenFor('u1', 'w1');
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  it('seals the provider key at rest and never returns it', async () => {
    const list = await t.call('GET', '/admin/v1/providers', { headers: admin });
    assert.equal(list.status, 200);
    assert.equal(list.body.providers[0].api_key, `…${PROVIDER_KEY.slice(-4)}`);
    assert.ok(!JSON.stringify(list.body).includes(PROVIDER_KEY));
    const rows = await kyselyOf(t.deps.store).selectFrom('model_providers').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(PROVIDER_KEY), 'the key is stored in clear');
    assert.match(String(rows[0]!.api_key_sealed), /^v1\./);
  });

  it('lists public cards without instructions or model settings, and hides disabled agents', async () => {
    const cards = await t.call('GET', '/v1/agents');
    assert.equal(cards.status, 200);
    const helper = cards.body.agents.find((a: any) => a.id === 'helper');
    assert.deepEqual(helper, { id: 'helper', name: 'Agent echo', description: 'Helps.', card: { avatar: 'https://example.com/a.png' } });
    assert.ok(!JSON.stringify(cards.body).includes('Secret plan'));
    assert.ok(!JSON.stringify(cards.body).includes('peer'));
    const off = await t.call('PATCH', '/admin/v1/agents/m-tool', { headers: admin, body: { enabled: false } });
    assert.equal(off.body.enabled, false);
    expectError(await t.call('GET', '/v1/agents/m-tool'), 404, 'not_found');
    expectError(await t.call('POST', '/v1/agents/m-tool/text', { token, body: { input: 'hi' } }), 404, 'not_found');
    await t.call('PATCH', '/admin/v1/agents/m-tool', { headers: admin, body: { enabled: true } });
    assert.equal((await t.call('GET', '/v1/agents/m-tool')).status, 200);
  });

  it('runs an agent to a JSON answer, with the user fields in its instructions and the provider key sent', async () => {
    const res = await t.call('POST', '/v1/agents/helper/text', { token, body: { input: 'hello there' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.text, 'You said: hello there');
    assert.deepEqual(res.body.usage, { input_tokens: 11, output_tokens: 7 });
    assert.ok(res.headers.get('ratelimit-limit'));
    const call = peer.requests.at(-1)!;
    assert.equal(call.authorization, `Bearer ${PROVIDER_KEY}`);
    assert.equal(call.body.messages[0].role, 'system');
    assert.equal(call.body.messages[0].content, 'You help u1 in w1. Secret plan: .');
    assert.equal(call.body.temperature, 0.2);
    assert.equal(call.body.max_tokens, 64);
  });

  it('a changed provider key is used from the next run on, and a removed one is not sent', async () => {
    const changed = await t.call('PATCH', '/admin/v1/providers/peer', { headers: admin, body: { api_key: 'sk-rotated-key-9999' } });
    assert.equal(changed.body.api_key, '…9999');
    await t.call('POST', '/v1/agents/helper/text', { token, body: { input: 'a' } });
    assert.equal(peer.requests.at(-1)!.authorization, 'Bearer sk-rotated-key-9999');
    await t.call('PATCH', '/admin/v1/providers/peer', { headers: admin, body: { api_key: null } });
    await t.call('POST', '/v1/agents/helper/text', { token, body: { input: 'a' } });
    assert.equal(peer.requests.at(-1)!.authorization, undefined);
    await t.call('PATCH', '/admin/v1/providers/peer', { headers: admin, body: { api_key: PROVIDER_KEY } });
  });

  it('streams an agent as the AI SDK UI message stream', async () => {
    const res = await t.app.request('/v1/agents/helper/stream', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'You said: one' }, { role: 'user', content: 'two words' }] }) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    assert.equal(res.headers.get('x-vercel-ai-ui-message-stream'), 'v1');
    const parts = uiParts(await res.text());
    assert.equal(parts.filter((p) => p.type === 'text-delta').map((p) => p.delta).join(''), 'You said: two words');
    assert.equal(parts.at(-1).type, 'finish');
    assert.equal(peer.requests.at(-1)!.body.messages.length, 4);
  });

  it('streams to EventSource with ?token= on GET', async () => {
    const res = await t.app.request(`/v1/agents/helper/stream?input=hey&token=${encodeURIComponent(token)}`, { headers: { Accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const parts = uiParts(await res.text());
    assert.equal(parts.filter((p) => p.type === 'text-delta').map((p) => p.delta).join(''), 'You said: hey');
    // Not without the event-stream handshake.
    expectError(await t.call('GET', `/v1/agents/helper/stream?input=hey&token=${encodeURIComponent(token)}`), 401, 'authentication_required');
  });

  it('stores the input and the reply of a run on a thread, under a lease that ends done', async () => {
    const thread = await t.call('POST', '/v1/threads', { token, body: { title: 't' } });
    const threadId = thread.body.thread_id;
    const first = await t.call('POST', '/v1/agents/helper/text', { token, body: { input: 'first', thread_id: threadId } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const res = await t.app.request('/v1/agents/helper/stream', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ input: 'second', thread_id: threadId }) });
    await res.text();
    // The second run read the thread's history.
    assert.deepEqual(peer.requests.at(-1)!.body.messages.slice(1).map((m: any) => m.content), ['first', 'You said: first', 'second']);
    const messages = await t.call('GET', `/v1/threads/${threadId}/messages`, { token });
    const contents = messages.body.messages.map((m: any) => `${m.content.role}:${m.content.content[0].text}`).reverse();
    assert.deepEqual(contents, ['user:first', 'assistant:You said: first', 'user:second', 'assistant:You said: second']);
    const replies = messages.body.messages.filter((m: any) => m.content.role === 'assistant');
    assert.ok(replies.every((m: any) => m.run?.status === 'ended'));
  });

  it('answers model_unavailable (502) for a provider that fails or answers garbage, and model_timeout (504) for a slow one', async () => {
    const failed = await t.call('POST', '/v1/agents/m-fail/text', { token, body: { input: 'x' } });
    expectError(failed, 502, 'model_unavailable', [PROVIDER_KEY]);
    assert.ok(!failed.body.message.includes('exploded'));
    expectError(await t.call('POST', '/v1/agents/m-garbage/text', { token, body: { input: 'x' } }), 502, 'model_unavailable');
    const streamFailed = await t.call('POST', '/v1/agents/m-fail/stream', { token, body: { input: 'x' } });
    expectError(streamFailed, 502, 'model_unavailable');
    expectError(await t.call('POST', '/v1/agents/m-garbage/stream', { token, body: { input: 'x' } }), 502, 'model_unavailable');
    expectError(await t.call('POST', '/v1/agents/m-slow/stream', { token, body: { input: 'x' } }), 504, 'model_timeout');
    expectError(await t.call('POST', '/v1/agents/m-slow/text', { token, body: { input: 'x' } }), 504, 'model_timeout');
  });

  it('ends a stream cut by the provider with an error part, and the thread lease with error', async () => {
    const thread = await t.call('POST', '/v1/threads', { token, body: {} });
    const res = await t.app.request('/v1/agents/m-cutoff/stream', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ input: 'a b c d', thread_id: thread.body.thread_id }) });
    assert.equal(res.status, 200);
    const parts = uiParts(await res.text());
    const error = parts.find((p) => p.type === 'error');
    assert.ok(error, JSON.stringify(parts));
    assert.match(error.errorText, /^model_unavailable/);
    const messages = await t.call('GET', `/v1/threads/${thread.body.thread_id}/messages`, { token });
    const reply = messages.body.messages.find((m: any) => m.content.role === 'assistant');
    assert.equal(reply.run.status, 'ended');
  });

  it('records every run, visible in the admin API', async () => {
    const runs = await t.call('GET', '/admin/v1/agent-runs?limit=100', { headers: admin });
    assert.equal(runs.status, 200);
    const outcomes = new Set(runs.body.runs.map((r: any) => `${r.agent_id}:${r.outcome}`));
    assert.ok(outcomes.has('helper:done'));
    assert.ok(outcomes.has('m-fail:error'));
    assert.ok(outcomes.has('m-slow:timeout'));
    const done = runs.body.runs.find((r: any) => r.agent_id === 'helper' && r.route === 'text');
    assert.equal(done.user_id, 'u1');
    assert.equal(done.workspace_id, 'w1');
    assert.equal(done.model, 'echo');
    assert.equal(done.input_tokens, 11);
    assert.equal(done.output_tokens, 7);
    const page = await t.call('GET', `/admin/v1/agent-runs?limit=1&before=${runs.body.runs[0].id}`, { headers: admin });
    assert.equal(page.body.runs[0].id, runs.body.runs[1].id);
  });
});
