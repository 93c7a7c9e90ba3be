/**
 * Titles from the operator's title model (THREADGATE_TITLE_MODEL): a model that fails before its
 * first word, or a provider that does not exist, gives way to the title cut from the first
 * message, so a thread always gets one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';

const conversation = [{ role: 'user', content: [{ type: 'text', text: 'Plan a weekend in Lisbon' }] }];

async function title(t: TestApp): Promise<string> {
  const token = await t.tokenFor('u1', 'w1');
  const thread = await t.call('POST', '/v1/threads', { token, body: {} });
  const res = await t.call('POST', '/v1/runs/stream', { token, body: { thread_id: thread.body.thread_id, assistant_id: 'system/thread_title', messages: conversation } });
  assert.equal(res.status, 200);
  assert.equal((await t.call('GET', `/v1/threads/${thread.body.thread_id}`, { token })).body.thread.title, res.body);
  return res.body as string;
}

describe('model titles', () => {
  let peer: OpenAiPeer;
  before(async () => (peer = await startOpenAiPeer()));
  after(async () => peer.close());

  for (const [label, model, expected] of [
    ['the title model writes the title', 'title', 'Trip to Lisbon'],
    ['a failing title model gives way to the cut title', 'fail', 'Plan a weekend in Lisbon'],
    ['a title model answering garbage gives way to the cut title', 'garbage', 'Plan a weekend in Lisbon'],
  ] as const) {
    it(label, async () => {
      const t = await createTestApp({ THREADGATE_TITLE_MODEL: `peer/${model}` });
      try {
        await t.call('POST', '/admin/v1/providers', { headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}` }, body: { id: 'peer', base_url: peer.baseUrl, models: [model] } });
        assert.equal(await title(t), expected);
      } finally {
        await t.close();
      }
    });
  }

  it('a title model on a provider that does not exist gives way to the cut title', async () => {
    const t = await createTestApp({ THREADGATE_TITLE_MODEL: 'nowhere/some-model' });
    try {
      assert.equal(await title(t), 'Plan a weekend in Lisbon');
    } finally {
      await t.close();
    }
  });
});

describe('model titles: limits and run records (an anonymous visitor cannot run up the bill through titles)', () => {
  let peer: OpenAiPeer;
  before(async () => (peer = await startOpenAiPeer()));
  after(async () => peer.close());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

  async function setUp(env: Record<string, string>): Promise<TestApp> {
    const t = await createTestApp({ THREADGATE_TITLE_MODEL: 'peer/title', ...env });
    await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['title'] } });
    return t;
  }
  const ask = (t: TestApp, token: string, threadId: string) =>
    t.call('POST', '/v1/runs/stream', { token, body: { thread_id: threadId, assistant_id: 'system/thread_title', messages: conversation } });

  it('counts title runs in the caller\'s runs per minute: over it, 429 rate_limited with Retry-After and the RateLimit headers, and no model call', async () => {
    const t = await setUp({ THREADGATE_AGENT_USER_RUNS_PER_MINUTE: '2' });
    try {
      const token = await t.tokenFor('u1', 'w1');
      const threadId = (await t.call('POST', '/v1/threads', { token, body: {} })).body.thread_id;
      assert.equal((await ask(t, token, threadId)).body, 'Trip to Lisbon');
      assert.equal((await ask(t, token, threadId)).body, 'Trip to Lisbon');
      const before = peer.requests.length;
      const refused = await ask(t, token, threadId);
      expectError(refused, 429, 'rate_limited');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(refused.headers.get('ratelimit-limit'), '2');
      assert.equal(refused.headers.get('ratelimit-remaining'), '0');
      assert.equal(peer.requests.length, before, 'the refused title run did not reach the model');
      // Another user has runs of their own.
      const other = await t.tokenFor('u2', 'w2');
      const otherThread = (await t.call('POST', '/v1/threads', { token: other, body: {} })).body.thread_id;
      assert.equal((await ask(t, other, otherThread)).status, 200);
    } finally {
      await t.close();
    }
  });

  it('counts title runs in the caller\'s model tokens per day, and records each (route title, agent system/thread_title, tokens)', async () => {
    // The peer counts 18 tokens a run; a title run reserves its input (about 260: a token per
    // byte) and 32 tokens out, so the 8th run does not fit in 400.
    const t = await setUp({ THREADGATE_AGENT_USER_TOKENS_PER_DAY: '400' });
    try {
      const token = await t.tokenFor('u1', 'w1');
      const threadId = (await t.call('POST', '/v1/threads', { token, body: {} })).body.thread_id;
      const statuses: number[] = [];
      for (let i = 0; i < 20 && statuses.at(-1) !== 429; i++) statuses.push((await ask(t, token, threadId)).status);
      assert.equal(statuses.at(-1), 429, 'the quota ends title runs');
      assert.ok(statuses.length > 2, `${statuses.length - 1} title runs before the quota`);
      const runs = (await t.call('GET', '/admin/v1/agent-runs?limit=100', { headers: admin })).body.runs as any[];
      assert.equal(runs.length, statuses.filter((s) => s === 200).length, 'every title run is recorded, refused ones are not');
      for (const run of runs) {
        assert.equal(run.agent_id, 'system/thread_title');
        assert.equal(run.route, 'title');
        assert.equal(run.user_id, 'u1');
        assert.equal(run.thread_id, threadId);
        assert.equal(run.provider_id, 'peer');
        assert.equal(run.model, 'title');
        assert.equal(run.outcome, 'done');
        assert.equal(run.input_tokens + run.output_tokens, 18);
      }
      assert.ok(runs.reduce((sum, r) => sum + r.input_tokens + r.output_tokens, 0) <= 400);
    } finally {
      await t.close();
    }
  });

  it('a credential without agents:run gets the title cut from the conversation, without a model call', async () => {
    const t = await setUp({});
    try {
      const token = await t.tokenFor('u1', 'w1', ALL_SCOPES.filter((s) => s !== 'agents:run'));
      const threadId = (await t.call('POST', '/v1/threads', { token, body: {} })).body.thread_id;
      const before = peer.requests.length;
      assert.equal((await ask(t, token, threadId)).body, 'Plan a weekend in Lisbon');
      assert.equal(peer.requests.length, before);
      assert.equal((await t.call('GET', '/admin/v1/agent-runs', { headers: admin })).body.runs.length, 0);
    } finally {
      await t.close();
    }
  });

  it('a failed title model is recorded as an error run and its reservation given back', async () => {
    const t = await createTestApp({ THREADGATE_TITLE_MODEL: 'peer/fail', THREADGATE_AGENT_USER_TOKENS_PER_DAY: '400' });
    try {
      await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['fail'] } });
      const token = await t.tokenFor('u1', 'w1');
      const threadId = (await t.call('POST', '/v1/threads', { token, body: {} })).body.thread_id;
      // Each reserves about 290 of 400: were a reservation kept, the second would be refused.
      for (let i = 0; i < 3; i++) assert.equal((await ask(t, token, threadId)).body, 'Plan a weekend in Lisbon');
      const runs = (await t.call('GET', '/admin/v1/agent-runs', { headers: admin })).body.runs as any[];
      assert.deepEqual(runs.map((r) => [r.route, r.outcome, r.error_code]), Array(3).fill(['title', 'error', 'model_unavailable']));
    } finally {
      await t.close();
    }
  });
});
