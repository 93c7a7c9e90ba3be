/**
 * The daily token quota is a bound, not a gate checked at the start (docs/agents.md#cost-limits):
 * every run reserves the most it can spend before the model is called, so a user never spends more
 * than the quota, over every execution route at once (text, stream, the EventSource stream,
 * runs.stream and title runs), even against a provider that spends all it is allowed (the peer's
 * `greedy` model counts every output token a run may have and a token per byte of its input).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { estimateInputTokens, reservationOf } from '../../../src/modules/agents/token-budget.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const MAX_OUTPUT = 40;
const QUOTA = 1500;

type Call = () => Promise<{ status: number; body: string }>;

function routes(t: TestApp, auth: Record<string, string>, threadId: string): Record<string, Call> {
  const request = async (path: string, init: RequestInit) => {
    const res = await t.app.request(path, init);
    return { status: res.status, body: await res.text() };
  };
  const post = (path: string, body: unknown) => request(path, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const parts = [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'hi' }] }];
  return {
    text: () => post('/v1/agents/g/text', { input: 'hi' }),
    stream: () => post('/v1/agents/g/stream', { input: 'hi' }),
    'stream (EventSource)': () => request('/v1/agents/g/stream?input=hi', { headers: { ...auth, Accept: 'text/event-stream' } }),
    'text on a thread': () => post('/v1/agents/g/text', { input: 'hi', thread_id: threadId }),
    'runs.stream (UI message stream)': () => post('/v1/runs/stream', { assistant_id: 'g', thread_id: threadId, response_format: 'vercel-ai-data-stream/v1', messages: parts }),
    'runs.stream (text)': () => post('/v1/runs/stream', { assistant_id: 'g', thread_id: threadId, messages: parts }),
    title: () => post('/v1/runs/stream', { assistant_id: 'system/thread_title', thread_id: threadId, messages: [{ role: 'user', content: [{ type: 'text', text: 'Plan a weekend in Lisbon' }] }] }),
  };
}

describe('token quota: a bound over every execution route', () => {
  let peer: OpenAiPeer;
  before(async () => (peer = await startOpenAiPeer()));
  after(async () => peer.close());

  it('a user running on every route at once, against a provider that spends all it may, never spends more than the quota', async () => {
    const t = await createTestApp({ THREADGATE_TITLE_MODEL: 'peer/greedy', THREADGATE_AGENT_USER_TOKENS_PER_DAY: String(QUOTA), THREADGATE_AGENT_USER_RUNS_PER_MINUTE: '1000' });
    try {
      await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['greedy'] } });
      await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'g', name: 'G', instructions: 'Be brief.', provider_id: 'peer', model: 'greedy', max_output_tokens: MAX_OUTPUT } });
      const auth = { Authorization: `Bearer ${await t.tokenFor('u1', 'w1')}` };
      const threadId = (await t.call('POST', '/v1/threads', { headers: auth, body: {} })).body.thread_id;
      const calls = routes(t, auth, threadId);
      const requestsBefore = peer.requests.length;
      // Three waves of every route at once, then one at a time until every route is refused.
      const answers: Array<{ route: string; status: number }> = [];
      for (let wave = 0; wave < 3; wave++) {
        const results = await Promise.all(Object.entries(calls).map(async ([route, call]) => ({ route, status: (await call()).status })));
        answers.push(...results);
      }
      for (let round = 0; round < 10; round++) {
        for (const [route, call] of Object.entries(calls)) answers.push({ route, status: (await call()).status });
      }
      assert.ok(answers.every((a) => a.status === 200 || a.status === 429), JSON.stringify(answers.filter((a) => a.status !== 200 && a.status !== 429)));
      const served = answers.filter((a) => a.status === 200).length;
      assert.ok(served > 3, `only ${served} runs were served`);
      for (const route of Object.keys(calls)) assert.equal(answers.filter((a) => a.route === route).at(-1)!.status, 429, `${route} is refused in the end`);
      assert.equal(peer.requests.length - requestsBefore, served, 'a refused run never reaches the model');

      const runs = (await t.call('GET', '/admin/v1/agent-runs?limit=100', { headers: admin })).body.runs as any[];
      assert.equal(runs.length, served, 'every run is recorded');
      const spent = runs.reduce((sum, r) => sum + r.input_tokens + r.output_tokens, 0);
      assert.ok(spent <= QUOTA, `spent ${spent} of ${QUOTA}`);
      // ...and the quota is used: what is left is less than the largest reservation (a title's or an agent run's).
      const largest = Math.max(
        reservationOf(estimateInputTokens({ system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] }), MAX_OUTPUT, 1),
        reservationOf(estimateInputTokens({ system: 'x'.repeat(200), messages: [{ role: 'user', content: 'Plan a weekend in Lisbon' }] }), 32, 1),
      );
      assert.ok(QUOTA - spent < largest, `spent ${spent}: ${QUOTA - spent} left`);
      assert.ok(runs.some((r) => r.route === 'title') && runs.some((r) => r.route === 'runs_stream') && runs.some((r) => r.route === 'stream') && runs.some((r) => r.route === 'text'));
    } finally {
      await t.close();
    }
  });

  it('a run the provider cuts off, without a usage report, is charged its input\'s estimate and a token per byte it produced, at most its reservation', async () => {
    const input = estimateInputTokens({ system: '', messages: [{ role: 'user', content: 'hi' }] });
    const reservation = reservationOf(input, 20, 1);
    // The peer's `cutoff` writes "You said: " and then drops the connection.
    const charged = Math.min(reservation, input + Buffer.byteLength('You said: '));
    // Room for the cut run's charge and one more reservation, then one token less.
    for (const [quota, second] of [[charged + reservation, 200], [charged + reservation - 1, 429]] as const) {
      const t = await createTestApp({ THREADGATE_AGENT_MAX_OUTPUT_TOKENS: '20', THREADGATE_AGENT_USER_TOKENS_PER_DAY: String(quota) });
      try {
        await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['cutoff'] } });
        await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'c', name: 'C', provider_id: 'peer', model: 'cutoff' } });
        const headers = { Authorization: `Bearer ${await t.tokenFor('u1', 'w1')}`, 'Content-Type': 'application/json' };
        const run = () => t.app.request('/v1/agents/c/stream', { method: 'POST', headers, body: JSON.stringify({ input: 'hi' }) });
        const first = await run();
        assert.equal(first.status, 200);
        assert.match(await first.text(), /"type":"error"/);
        assert.equal((await t.call('GET', '/admin/v1/agent-runs', { headers: admin })).body.runs[0].outcome, 'error');
        const next = await run();
        await next.text();
        assert.equal(next.status, second, `quota ${quota}`);
      } finally {
        await t.close();
      }
    }
  });
});
