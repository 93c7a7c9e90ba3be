/**
 * Who may run an agent and how much (issue 14 item 4), over every execution route: the agent's
 * own `text` and `stream` (POST and the EventSource GET) and `POST /v1/runs/stream` with the
 * agent as the assistant. Agent limits of keys (403), the `agents:run` scope (403), runs per
 * minute and model tokens per day per user and per agent (429 rate_limited with Retry-After and
 * the RateLimit headers), and isolation: another workspace's thread is 404 and nothing is run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { estimateInputTokens, reservationOf } from '../../../src/modules/agents/token-budget.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

type Caller = (agentId: string, auth: Record<string, string>, threadId: string) => Promise<{ status: number; body: any; headers: Headers }>;

/** Every execution route, as a client calls it. */
function executionRoutes(t: TestApp): Record<string, Caller> {
  const request = async (path: string, init: RequestInit) => {
    const res = await t.app.request(path, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // a stream
    }
    return { status: res.status, body, headers: res.headers };
  };
  const post = (path: string, auth: Record<string, string>, body: unknown) =>
    request(path, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return {
    'POST /v1/agents/{id}/text': (id, auth) => post(`/v1/agents/${id}/text`, auth, { input: 'hi' }),
    'POST /v1/agents/{id}/stream': (id, auth) => post(`/v1/agents/${id}/stream`, auth, { input: 'hi' }),
    'GET /v1/agents/{id}/stream': (id, auth) => request(`/v1/agents/${id}/stream?input=hi`, { headers: { ...auth, Accept: 'text/event-stream' } }),
    'POST /v1/runs/stream': (id, auth, threadId) => post('/v1/runs/stream', auth, { assistant_id: id, thread_id: threadId, response_format: 'vercel-ai-data-stream/v1', messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
  };
}

async function setUp(t: TestApp, peer: OpenAiPeer): Promise<void> {
  assert.equal((await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo'] } })).status, 201);
  for (const id of ['a1', 'a2', 'a3']) {
    assert.equal((await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id, name: id, provider_id: 'peer', model: 'echo' } })).status, 201);
  }
}

describe('agent runs: limits, scope and isolation on every execution route', () => {
  let peer: OpenAiPeer;
  before(async () => (peer = await startOpenAiPeer()));
  after(async () => peer.close());

  it('a key limited to agents a1 and a2 runs those only (403 forbidden for a3), and a token without agents:run runs none', async () => {
    const t = await createTestApp();
    try {
      await setUp(t, peer);
      const key = (await t.call('POST', '/admin/v1/api-keys', { headers: admin, body: { name: 'scoped', agents: ['a1', 'a2'] } })).body.key as string;
      const auth = { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' };
      const threadId = (await t.call('POST', '/v1/threads', { headers: auth, body: {} })).body.thread_id;
      const readOnly = { Authorization: `Bearer ${await t.tokenFor('u1', 'w1', ALL_SCOPES.filter((s) => s !== 'agents:run'))}` };
      for (const [name, call] of Object.entries(executionRoutes(t))) {
        const before = peer.requests.length;
        assert.equal((await call('a1', auth, threadId)).status, 200, name);
        expectError(await call('a3', auth, threadId), 403, 'forbidden');
        expectError(await call('a1', readOnly, threadId), 403, 'forbidden');
        assert.equal(peer.requests.length, before + 1, `${name}: only the allowed run reached the model`);
      }
      // The cards a limited credential would see are the public ones: management routes take none.
      assert.equal((await t.call('GET', '/v1/agents')).body.agents.length, 3);
    } finally {
      await t.close();
    }
  });

  it('with THREADGATE_DEFAULT_PRIVATE the cards need a credential and show only the agents it may run', async () => {
    const t = await createTestApp({ THREADGATE_DEFAULT_PRIVATE: 'true' });
    try {
      await setUp(t, peer);
      expectError(await t.call('GET', '/v1/agents'), 401, 'authentication_required');
      const key = (await t.call('POST', '/admin/v1/api-keys', { headers: admin, body: { name: 'scoped', agents: ['a1', 'a2'] } })).body.key as string;
      const limited = { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' };
      assert.deepEqual((await t.call('GET', '/v1/agents', { headers: limited })).body.agents.map((card: { id: string }) => card.id).sort(), ['a1', 'a2']);
      assert.equal((await t.call('GET', '/v1/agents/a1', { headers: limited })).status, 200);
      expectError(await t.call('GET', '/v1/agents/a3', { headers: limited }), 404, 'not_found');
      const everyAgent = { Authorization: `Bearer ${await t.tokenFor('u1', 'w1')}` };
      assert.equal((await t.call('GET', '/v1/agents', { headers: everyAgent })).body.agents.length, 3);
    } finally {
      await t.close();
    }
  });

  it('runs per minute: per user, then per agent, on every route (429 with Retry-After and RateLimit headers)', async () => {
    const routes = Object.keys(executionRoutes({} as TestApp));
    const t = await createTestApp({ THREADGATE_AGENT_USER_RUNS_PER_MINUTE: String(routes.length), THREADGATE_AGENT_RUNS_PER_MINUTE: String(routes.length + 1) });
    try {
      await setUp(t, peer);
      const calls = executionRoutes(t);
      const u1 = { Authorization: `Bearer ${await t.tokenFor('u1', 'w1')}` };
      const u2 = { Authorization: `Bearer ${await t.tokenFor('u2', 'w2')}` };
      const thread1 = (await t.call('POST', '/v1/threads', { headers: u1, body: {} })).body.thread_id;
      const thread2 = (await t.call('POST', '/v1/threads', { headers: u2, body: {} })).body.thread_id;
      for (const name of routes) {
        const res = await calls[name]!('a1', u1, thread1);
        assert.equal(res.status, 200, name);
        assert.equal(res.headers.get('ratelimit-limit'), String(routes.length), name);
      }
      for (const name of routes) {
        const refused = await calls[name]!('a2', u1, thread1);
        expectError(refused, 429, 'rate_limited');
        assert.ok(Number(refused.headers.get('retry-after')) >= 1, name);
        assert.equal(refused.headers.get('ratelimit-remaining'), '0', name);
      }
      // u2 has runs left; agent a1 has one run left (routes + 1), then none.
      assert.equal((await calls['POST /v1/agents/{id}/text']!('a1', u2, thread2)).status, 200);
      for (const name of routes) expectError(await calls[name]!('a1', u2, thread2), 429, 'rate_limited');
      const u3 = { Authorization: `Bearer ${await t.tokenFor('u3', 'w3')}` };
      assert.equal((await calls['POST /v1/agents/{id}/text']!('a2', u3, thread2)).status, 200, 'another agent is not limited by a1\'s count');
    } finally {
      await t.close();
    }
  });

  it('model tokens per day: a run whose reservation does not fit in what is left is refused before the model is called, on every route; so is an agent\'s', async () => {
    // Each of these runs reserves R (its input "hi" at a token per byte, with the template's
    // overhead, and 10 tokens out); the peer then counts 18.
    const R = reservationOf(estimateInputTokens({ system: '', messages: [{ role: 'user', content: 'hi' }] }), 10, 1);
    const t = await createTestApp({ THREADGATE_AGENT_MAX_OUTPUT_TOKENS: '10', THREADGATE_AGENT_USER_TOKENS_PER_DAY: String(R + 18), THREADGATE_AGENT_TOKENS_PER_DAY: String(36 + R + 17) });
    try {
      await setUp(t, peer);
      const calls = executionRoutes(t);
      const u1 = { Authorization: `Bearer ${await t.tokenFor('u1', 'w1')}` };
      const thread1 = (await t.call('POST', '/v1/threads', { headers: u1, body: {} })).body.thread_id;
      assert.equal((await calls['POST /v1/agents/{id}/text']!('a1', u1, thread1)).status, 200);
      assert.equal((await calls['POST /v1/agents/{id}/text']!('a1', u1, thread1)).status, 200, '18 spent + R reserved fit in R + 18');
      const before = peer.requests.length;
      for (const [name, call] of Object.entries(calls)) {
        const refused = await call('a2', u1, thread1);
        expectError(refused, 429, 'rate_limited');
        assert.match(refused.body.message, /tokens/, name);
        assert.equal(refused.headers.get('ratelimit-limit'), String(R + 18), name);
        assert.ok(Number(refused.headers.get('retry-after')) >= 1, name);
      }
      assert.equal(peer.requests.length, before, 'no refused run reached the model');
      // a1 has spent 36 of its 36 + R + 17 tokens: one more run fits, then none, whoever runs it.
      const u2 = { Authorization: `Bearer ${await t.tokenFor('u2', 'w2')}` };
      const u3 = { Authorization: `Bearer ${await t.tokenFor('u3', 'w3')}` };
      const thread2 = (await t.call('POST', '/v1/threads', { headers: u2, body: {} })).body.thread_id;
      assert.equal((await calls['POST /v1/agents/{id}/text']!('a1', u2, thread2)).status, 200);
      const refused = await calls['POST /v1/agents/{id}/text']!('a1', u3, thread2);
      expectError(refused, 429, 'rate_limited');
      assert.match(refused.body.message, /agent/);
      // A refused run is no run: u3's runs per minute are untouched.
      assert.equal((await calls['POST /v1/agents/{id}/text']!('a2', u3, thread2)).headers.get('ratelimit-remaining'), '19');
    } finally {
      await t.close();
    }
  });

  it('another workspace\'s thread is 404 on every route that takes one, and nothing is run or stored', async () => {
    const t = await createTestApp();
    try {
      await setUp(t, peer);
      const u1 = { Authorization: `Bearer ${await t.tokenFor('u1', 'w1')}` };
      const intruder = { Authorization: `Bearer ${await t.tokenFor('u2', 'w2')}` };
      const threadId = (await t.call('POST', '/v1/threads', { headers: u1, body: {} })).body.thread_id;
      await t.call('POST', `/v1/threads/${threadId}/messages`, { headers: u1, body: { parent_id: null, format: 'aui/v0', content: { role: 'user', content: [{ type: 'text', text: 'private words' }] } } });
      const before = peer.requests.length;
      expectError(await t.call('POST', '/v1/agents/a1/text', { headers: intruder, body: { input: 'x', thread_id: threadId } }), 404, 'not_found');
      expectError(await t.call('POST', '/v1/agents/a1/stream', { headers: intruder, body: { input: 'x', thread_id: threadId } }), 404, 'not_found');
      const get = await t.app.request(`/v1/agents/a1/stream?input=x&thread_id=${threadId}`, { headers: { ...intruder, Accept: 'text/event-stream' } });
      assert.equal(get.status, 404);
      expectError(await t.call('POST', '/v1/runs/stream', { headers: intruder, body: { assistant_id: 'a1', thread_id: threadId, messages: [] } }), 404, 'not_found');
      assert.equal(peer.requests.length, before, 'nothing reached the model');
      assert.ok(!JSON.stringify(peer.requests).includes('private words'));
      assert.equal((await t.call('GET', `/v1/threads/${threadId}/messages`, { headers: u1 })).body.messages.length, 1, 'nothing was stored');
    } finally {
      await t.close();
    }
  });
});
