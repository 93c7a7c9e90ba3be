/**
 * Titles from the operator's title model (THREADGATE_TITLE_MODEL): a model that fails before its
 * first word, or a provider that does not exist, gives way to the title cut from the first
 * message, so a thread always gets one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
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
