/**
 * Agents that use memory (issue 14 item 3), through the module's AgentMemory interface (the
 * memory module's adapter plugs in there): the caller's relevant memories go into the context,
 * never another user's; the agent keeps new ones with its `remember` tool, as the caller; an agent
 * that does not use memory never searches it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { createAgentsModule } from '../../../src/modules/agents/index.js';
import type { AgentMemory } from '../../../src/modules/agents/agent-memory.js';
import { rateLimiterStore } from '../../../src/http/middleware/rate-limit.js';
import type { Principal } from '../../../src/auth/principal.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** Memories by owner (project, workspace, user), as the memory module scopes them. */
function fakeMemory() {
  const facts = new Map<string, string[]>();
  const owner = (p: Principal) => `${p.projectId}/${p.workspaceId}/${p.userId}`;
  const searches: string[] = [];
  const memory: AgentMemory = {
    async search(principal, _agentId, query) {
      searches.push(`${owner(principal)}:${query}`);
      return facts.get(owner(principal)) ?? [];
    },
    async save(principal, _agentId, text) {
      facts.set(owner(principal), [...(facts.get(owner(principal)) ?? []), text]);
    },
  };
  return { memory, facts, searches };
}

describe('agents with memory', () => {
  let t: TestApp;
  let peer: OpenAiPeer;
  const fake = fakeMemory();
  before(async () => {
    peer = await startOpenAiPeer();
    t = await createTestApp();
    const { config, store, secretBox, logger, clock, threads } = t.deps;
    t.deps.agents = createAgentsModule({ store, threads: threads.service, secretBox, config, limiters: rateLimiterStore(config, null, logger), logger, clock, memory: fake.memory });
    await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo', 'remember'] } });
    await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'mem', name: 'Mem', provider_id: 'peer', model: 'echo', instructions: 'Be kind.', uses_memory: true } });
    await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'plain', name: 'Plain', provider_id: 'peer', model: 'echo', instructions: 'Be kind.' } });
    await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'keeper', name: 'Keeper', provider_id: 'peer', model: 'remember', uses_memory: true } });
    fake.facts.set('default/w1/u1', ['likes green tea']);
    fake.facts.set('default/w2/u2', ['u2 secret: lives in Oslo']);
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  it('puts the caller\'s own memories in the context, never another user\'s', async () => {
    const token = await t.tokenFor('u1', 'w1');
    const res = await t.call('POST', '/v1/agents/mem/text', { token, body: { input: 'what do I like?' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const system = peer.requests.at(-1)!.body.messages[0].content as string;
    assert.match(system, /^Be kind\.\n\nWhat you remember about this user:\n- likes green tea$/);
    assert.ok(!JSON.stringify(peer.requests.at(-1)!.body).includes('Oslo'));
    assert.deepEqual(fake.searches, ['default/w1/u1:what do I like?']);
  });

  it('an agent that does not use memory never searches it and has no remember tool', async () => {
    const token = await t.tokenFor('u1', 'w1');
    const before = fake.searches.length;
    await t.call('POST', '/v1/agents/plain/text', { token, body: { input: 'hi' } });
    assert.equal(fake.searches.length, before);
    assert.equal(peer.requests.at(-1)!.body.messages[0].content, 'Be kind.');
    assert.equal(peer.requests.at(-1)!.body.tools, undefined);
  });

  it('keeps a new memory of the caller with the remember tool, then answers (text and stream)', async () => {
    const token = await t.tokenFor('u3', 'w3');
    const res = await t.call('POST', '/v1/agents/keeper/text', { token, body: { input: 'I am vegetarian' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.text, 'Noted.');
    assert.deepEqual(fake.facts.get('default/w3/u3'), ['I am vegetarian']);
    const stream = await t.app.request('/v1/agents/keeper/stream', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ input: 'I run marathons' }) });
    const body = await stream.text();
    assert.match(body, /"type":"tool-output-available"/);
    assert.match(body, /Noted\./);
    assert.deepEqual(fake.facts.get('default/w3/u3'), ['I am vegetarian', 'I run marathons']);
    assert.equal(fake.facts.get('default/w1/u1')!.length, 1, 'no other user\'s memory changed');
  });
});
