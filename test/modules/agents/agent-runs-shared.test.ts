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

  /**
   * Two servers over one Redis, each with its own database (as its own API key) holding the peer's
   * provider and an agent `helper`; `run` runs it on one of them as the same user u1.
   */
  async function twoServers(env: Record<string, string>): Promise<{ run: (server: 0 | 1, input: string) => ReturnType<TestApp['call']>; close: () => Promise<void> }> {
    const apps: TestApp[] = [];
    const headers: Array<Record<string, string>> = [];
    const shared = { REDIS_URL: redisUrl!, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, ...env };
    for (let i = 0; i < 2; i++) {
      const t = await createTestApp(shared);
      apps.push(t);
      assert.equal((await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo'] } })).status, 201);
      assert.equal((await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'helper', name: 'Helper', provider_id: 'peer', model: 'echo' } })).status, 201);
      const key = (await t.call('POST', '/admin/v1/api-keys', { headers: admin, body: { name: 'backend' } })).body.key as string;
      headers.push({ Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' });
    }
    return {
      run: (server, input) => apps[server]!.call('POST', '/v1/agents/helper/text', { headers: headers[server]!, body: { input } }),
      close: async () => {
        for (const t of apps) await t.close();
      },
    };
  }

  it('with Redis, two servers share a user\'s token quota: each run reserves its most there, and gives back what it did not spend', { skip: redisUrl === undefined && 'TEST_REDIS_URL is not set' }, async () => {
    // Each run reserves R (input "a" at a token per byte with the template's overhead, 10 out); the peer counts 18.
    const R = reservationOf(estimateInputTokens({ system: '', messages: [{ role: 'user', content: 'a' }] }), 10, 1);
    const servers = await twoServers({ THREADGATE_AGENT_MAX_OUTPUT_TOKENS: '10', THREADGATE_AGENT_USER_TOKENS_PER_DAY: String(R + 18) });
    try {
      // 0 + R fits, and 18 spent; 18 + R fits in R + 18, and 36 spent; 36 + R does not, on either server.
      assert.equal((await servers.run(0, 'a')).status, 200);
      assert.equal((await servers.run(1, 'a')).status, 200);
      expectError(await servers.run(0, 'a'), 429, 'rate_limited');
      expectError(await servers.run(1, 'a'), 429, 'rate_limited');
    } finally {
      await servers.close();
    }
  });

  it('with Redis, two servers share a user\'s runs per minute', { skip: redisUrl === undefined && 'TEST_REDIS_URL is not set' }, async () => {
    const servers = await twoServers({ THREADGATE_AGENT_USER_RUNS_PER_MINUTE: '2' });
    try {
      const first = await servers.run(0, 'a');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal((await servers.run(1, 'b')).status, 200);
      expectError(await servers.run(0, 'c'), 429, 'rate_limited');
      expectError(await servers.run(1, 'd'), 429, 'rate_limited');
    } finally {
      await servers.close();
    }
  });
});
