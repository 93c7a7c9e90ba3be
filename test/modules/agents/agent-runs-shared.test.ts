/**
 * Runs over a real listener and across processes (issue 14 items 4 and 5): a client that goes
 * away cancels the upstream model call and the run is recorded `cancelled`; with Redis, two
 * servers share the run and token limits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startListeningServer, type ListeningServer } from '../../helpers/listening-server.js';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { serviceUrl } from '../../helpers/services.js';
import { estimateInputTokens, reservationOf } from '../../../src/modules/agents/token-budget.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' };
const redisUrl = serviceUrl('TEST_REDIS_URL');

describe('agent runs over a listener and across servers', () => {
  let peer: OpenAiPeer;
  before(async () => (peer = await startOpenAiPeer()));
  after(async () => peer.close());

  it('a client that disconnects cancels the model call, and the run is recorded cancelled', async () => {
    const server: ListeningServer = await startListeningServer();
    try {
      const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
      assert.equal((await post('/admin/v1/providers', { id: 'peer', base_url: peer.baseUrl, models: ['slow'] })).status, 201);
      assert.equal((await post('/admin/v1/agents', { id: 'slowpoke', name: 'Slow', provider_id: 'peer', model: 'slow' })).status, 201);
      const before = peer.requests.length;
      const disconnectsBefore = peer.disconnects;
      const abort = new AbortController();
      const pending = fetch(`${server.url}/v1/agents/slowpoke/stream`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ input: 'take your time' }),
        signal: abort.signal,
      }).catch((error: unknown) => error);
      while (peer.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
      abort.abort();
      await pending;
      await peer.waitForDisconnects(disconnectsBefore + 1);
      let runs: any[] = [];
      while (!runs.some((r) => r.agent_id === 'slowpoke')) {
        runs = ((await (await fetch(`${server.url}/admin/v1/agent-runs`, { headers: admin })).json()) as { runs: any[] }).runs;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(runs.find((r) => r.agent_id === 'slowpoke').outcome, 'cancelled');
    } finally {
      await server.stop();
    }
  });

  it('with Redis, two servers share a user\'s token quota: each run reserves its most there, and gives back what it did not spend', { skip: redisUrl === undefined && 'TEST_REDIS_URL is not set' }, async () => {
    // Each run reserves R (input "a" at a token per byte with the template's overhead, 10 out); the peer counts 18.
    const R = reservationOf(estimateInputTokens({ system: '', messages: [{ role: 'user', content: 'a' }] }), 10, 1);
    const env = { REDIS_URL: redisUrl!, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, THREADGATE_AGENT_MAX_OUTPUT_TOKENS: '10', THREADGATE_AGENT_USER_TOKENS_PER_DAY: String(R + 18) };
    const one: TestApp = await createTestApp(env);
    const two: TestApp = await createTestApp(env);
    try {
      for (const t of [one, two]) {
        assert.equal((await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo'] } })).status, 201);
        assert.equal((await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'helper', name: 'Helper', provider_id: 'peer', model: 'echo' } })).status, 201);
      }
      const headersOf = async (t: TestApp) => {
        const key = (await t.call('POST', '/admin/v1/api-keys', { headers: admin, body: { name: 'backend' } })).body.key as string;
        return { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' };
      };
      const [h1, h2] = [await headersOf(one), await headersOf(two)];
      // 0 + R fits, and 18 spent; 18 + R fits in R + 18, and 36 spent; 36 + R does not, on either server.
      assert.equal((await one.call('POST', '/v1/agents/helper/text', { headers: h1, body: { input: 'a' } })).status, 200);
      assert.equal((await two.call('POST', '/v1/agents/helper/text', { headers: h2, body: { input: 'a' } })).status, 200);
      expectError(await one.call('POST', '/v1/agents/helper/text', { headers: h1, body: { input: 'a' } }), 429, 'rate_limited');
      expectError(await two.call('POST', '/v1/agents/helper/text', { headers: h2, body: { input: 'a' } }), 429, 'rate_limited');
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('with Redis, two servers share a user\'s runs per minute', { skip: redisUrl === undefined && 'TEST_REDIS_URL is not set' }, async () => {
    const env = { REDIS_URL: redisUrl!, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, THREADGATE_AGENT_USER_RUNS_PER_MINUTE: '2' };
    const one: TestApp = await createTestApp(env);
    const two: TestApp = await createTestApp(env);
    try {
      for (const t of [one, two]) {
        assert.equal((await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo'] } })).status, 201);
        assert.equal((await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'helper', name: 'Helper', provider_id: 'peer', model: 'echo' } })).status, 201);
      }
      // Each server its own database here (as its own key): the same user u1 on both.
      const headersOf = async (t: TestApp) => {
        const key = (await t.call('POST', '/admin/v1/api-keys', { headers: admin, body: { name: 'backend' } })).body.key as string;
        return { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' };
      };
      const [h1, h2] = [await headersOf(one), await headersOf(two)];
      const first = await one.call('POST', '/v1/agents/helper/text', { headers: h1, body: { input: 'a' } });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal((await two.call('POST', '/v1/agents/helper/text', { headers: h2, body: { input: 'b' } })).status, 200);
      expectError(await one.call('POST', '/v1/agents/helper/text', { headers: h1, body: { input: 'c' } }), 429, 'rate_limited');
      expectError(await two.call('POST', '/v1/agents/helper/text', { headers: h2, body: { input: 'd' } }), 429, 'rate_limited');
    } finally {
      await one.close();
      await two.close();
    }
  });
});
