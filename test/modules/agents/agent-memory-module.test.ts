/**
 * Agents with the real memory module (src/modules/memory, wired in server.ts through
 * memory-adapter.ts): the caller's relevant memories go into the context, never another user's
 * (same words, other user and other workspace); the remember tool stores a memory the caller then
 * lists through /v1/memories, tagged with the agent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('agents with the memory module', () => {
  let t: TestApp;
  let peer: OpenAiPeer;
  let alice: string;
  let bob: string;
  before(async () => {
    peer = await startOpenAiPeer();
    t = await createTestApp();
    alice = await t.tokenFor('alice', 'ws-alice');
    bob = await t.tokenFor('bob', 'ws-bob');
    await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo', 'remember'] } });
    await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'mem', name: 'Mem', provider_id: 'peer', model: 'echo', instructions: 'Be kind.', uses_memory: true } });
    await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'keeper', name: 'Keeper', provider_id: 'peer', model: 'remember', uses_memory: true } });
    assert.equal((await t.call('POST', '/v1/memories', { token: alice, body: { text: 'Alice drinks green tea every morning' } })).status, 201);
    assert.equal((await t.call('POST', '/v1/memories', { token: bob, body: { text: 'Bob drinks green tea in Oslo' } })).status, 201);
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  it('puts the caller\'s own memory in the context, never the other user\'s with the same words', async () => {
    const res = await t.call('POST', '/v1/agents/mem/text', { token: alice, body: { input: 'what tea do I drink?' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const system = peer.requests.at(-1)!.body.messages[0].content as string;
    assert.match(system, /Alice drinks green tea every morning/);
    assert.ok(!JSON.stringify(peer.requests.at(-1)!.body).includes('Oslo'), 'bob\'s memory never reaches alice\'s run');
  });

  it('keeps what the remember tool saves as the caller\'s memory, tagged with the agent', async () => {
    const res = await t.call('POST', '/v1/agents/keeper/text', { token: bob, body: { input: 'I am allergic to peanuts' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.text, 'Noted.');
    const mine = (await t.call('GET', '/v1/memories', { token: bob })).body.memories;
    const kept = mine.find((m: any) => m.text === 'I am allergic to peanuts');
    assert.ok(kept, JSON.stringify(mine));
    assert.equal(kept.agent_id, 'keeper');
    const hers = (await t.call('GET', '/v1/memories', { token: alice })).body.memories;
    assert.ok(!hers.some((m: any) => m.text.includes('peanuts')));
  });
});
