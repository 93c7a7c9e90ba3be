/**
 * Run leases over HTTP, as the assistant-cloud 0.2.11 client uses them (AssistantCloudThreadRuns,
 * CloudMessagePersistence): `open_run` on create, writes carrying `lease_id`, heartbeats, ends, and
 * `run` on listed messages; refusals are 409 `lease_mismatch` / `run_ended`, unknown leases 404.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { expectError } from '../../helpers/error-contract.js';

describe('run leases', () => {
  let t: TestApp;
  let alice: string;
  before(async () => {
    t = await createTestApp();
    alice = await t.tokenFor('alice', 'ws-alice');
  });
  after(async () => t.close());

  async function newThread(token = alice): Promise<string> {
    return (await t.call('POST', '/v1/threads', { token, body: {} })).body.thread_id;
  }

  async function openRun(threadId: string, extra: Record<string, unknown> = {}, token = alice) {
    const res = await t.call('POST', `/v1/threads/${threadId}/messages`, {
      token,
      body: { parent_id: null, format: 'aui/v0', content: { status: { type: 'running' } }, open_run: true, ...extra },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { message_id: string; lease_id: string; heartbeat_interval_ms: number };
  }

  async function listed(threadId: string, token = alice) {
    return (await t.call('GET', `/v1/threads/${threadId}/messages`, { token })).body.messages as Array<Record<string, any>>;
  }

  it('open_run answers the lease; the listed message carries run {status, last_heartbeat_ms_ago} and never the lease id', async () => {
    const threadId = await newThread();
    const run = await openRun(threadId, { external_id: 'local-a' });
    assert.match(run.lease_id, /^lease_/);
    assert.ok(Number.isInteger(run.heartbeat_interval_ms) && run.heartbeat_interval_ms > 0);
    const [message] = await listed(threadId);
    assert.equal(message!.id, run.message_id);
    assert.equal(message!.run.status, 'running');
    assert.ok(Number.isInteger(message!.run.last_heartbeat_ms_ago) && message!.run.last_heartbeat_ms_ago >= 0);
    assert.deepEqual(Object.keys(message!.run).sort(), ['last_heartbeat_ms_ago', 'status']);
    assert.ok(!JSON.stringify(message).includes(run.lease_id), 'the lease id is listed');
  });

  it('a message created without open_run (or with open_run: false) has no lease and no run', async () => {
    const threadId = await newThread();
    for (const extra of [{}, { open_run: false }]) {
      const res = await t.call('POST', `/v1/threads/${threadId}/messages`, { token: alice, body: { parent_id: null, format: 'aui/v0', content: {}, ...extra } });
      assert.deepEqual(Object.keys(res.body), ['message_id']);
    }
    for (const message of await listed(threadId)) assert.equal(message.run, undefined);
  });

  it('the holder beats, writes with its lease and ends it; after the end its writes and beats are run_ended', async () => {
    const threadId = await newThread();
    const run = await openRun(threadId);
    const base = `/v1/threads/${threadId}/runs/${run.lease_id}`;
    const beat = await t.call('POST', `${base}/heartbeat`, { token: alice });
    assert.equal(beat.status, 200);
    assert.deepEqual(beat.body, { heartbeat_interval_ms: run.heartbeat_interval_ms });

    const write = (body: Record<string, unknown>) => t.call('PUT', `/v1/threads/${threadId}/messages/${run.message_id}`, { token: alice, body });
    assert.equal((await write({ content: { text: 'partial' }, lease_id: run.lease_id })).status, 204);
    assert.equal((await write({ content: { text: 'final' }, lease_id: run.lease_id })).status, 204);

    const ended = await t.call('POST', `${base}/end`, { token: alice, body: { reason: 'done' } });
    assert.equal(ended.status, 200);
    assert.deepEqual(ended.body, { status: 'ended', reason: 'done' });
    const [message] = await listed(threadId);
    assert.deepEqual(message!.content, { text: 'final' });
    assert.equal(message!.run.status, 'ended');

    expectError(await write({ content: { text: 'late' }, lease_id: run.lease_id }), 409, 'run_ended', [run.lease_id]);
    expectError(await t.call('POST', `${base}/heartbeat`, { token: alice }), 409, 'run_ended', [run.lease_id]);
    assert.deepEqual((await listed(threadId))[0]!.content, { text: 'final' }, 'the refused write changed nothing');
    // A plain write (no lease) still lands: the client's final answer after its own end.
    assert.equal((await write({ content: { text: 'plain' } })).status, 204);
    assert.deepEqual((await listed(threadId))[0]!.content, { text: 'plain' });
  });

  it('ending twice succeeds and keeps the first reason; an end without a body or reason is done', async () => {
    const threadId = await newThread();
    const first = await openRun(threadId);
    const end = (leaseId: string, body?: unknown) => t.call('POST', `/v1/threads/${threadId}/runs/${leaseId}/end`, { token: alice, ...(body !== undefined ? { body } : {}) });
    assert.deepEqual((await end(first.lease_id, { reason: 'cancelled' })).body, { status: 'ended', reason: 'cancelled' });
    assert.deepEqual((await end(first.lease_id, { reason: 'error' })).body, { status: 'ended', reason: 'cancelled' });
    assert.deepEqual((await end(first.lease_id, {})).body, { status: 'ended', reason: 'cancelled' });

    const second = await openRun(threadId);
    const res = await end(second.lease_id);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { status: 'ended', reason: 'done' });
    const third = await openRun(threadId);
    assert.deepEqual((await end(third.lease_id, {})).body, { status: 'ended', reason: 'done' });

    expectError(await end(third.lease_id, { reason: 'finished' }), 400, 'validation_error');
  });

  it('a wrong lease is lease_mismatch and changes nothing', async () => {
    const threadId = await newThread();
    const run = await openRun(threadId);
    const other = await openRun(threadId);
    const plain = (await t.call('POST', `/v1/threads/${threadId}/messages`, { token: alice, body: { parent_id: null, format: 'aui/v0', content: { text: 'plain' } } })).body.message_id;
    const put = (messageId: string, leaseId: string) =>
      t.call('PUT', `/v1/threads/${threadId}/messages/${messageId}`, { token: alice, body: { content: { text: 'taken' }, lease_id: leaseId } });
    expectError(await put(run.message_id, other.lease_id), 409, 'lease_mismatch');
    expectError(await put(run.message_id, 'lease_unknown'), 409, 'lease_mismatch');
    expectError(await put(plain, run.lease_id), 409, 'lease_mismatch');
    // Ended, the other message's lease is still not this one's: mismatch, not run_ended.
    await t.call('POST', `/v1/threads/${threadId}/runs/${other.lease_id}/end`, { token: alice, body: {} });
    expectError(await put(run.message_id, other.lease_id), 409, 'lease_mismatch');
    for (const message of await listed(threadId)) assert.notDeepEqual(message.content, { text: 'taken' });
    assert.equal((await put(run.message_id, run.lease_id)).status, 204, 'the right lease still writes');
  });

  it('an unknown lease, or one of another thread, is 404 on heartbeat and end', async () => {
    const threadId = await newThread();
    const otherThread = await newThread();
    const run = await openRun(threadId);
    for (const [thread, lease] of [[threadId, 'lease_unknown'], [otherThread, run.lease_id]] as const) {
      expectError(await t.call('POST', `/v1/threads/${thread}/runs/${lease}/heartbeat`, { token: alice }), 404, 'not_found');
      expectError(await t.call('POST', `/v1/threads/${thread}/runs/${lease}/end`, { token: alice, body: { reason: 'done' } }), 404, 'not_found');
    }
    assert.equal((await listed(threadId))[0]!.run.status, 'running', 'the misdirected end did not end it');
  });

  it('another workspace gets 404 for the lease, on every lease route, and changes nothing', async () => {
    const threadId = await newThread();
    const run = await openRun(threadId);
    const bob = await t.tokenFor('bob', 'ws-bob');
    const base = `/v1/threads/${threadId}/runs/${run.lease_id}`;
    expectError(await t.call('POST', `${base}/heartbeat`, { token: bob }), 404, 'not_found');
    expectError(await t.call('POST', `${base}/end`, { token: bob, body: { reason: 'cancelled' } }), 404, 'not_found');
    expectError(await t.call('PUT', `/v1/threads/${threadId}/messages/${run.message_id}`, { token: bob, body: { content: {}, lease_id: run.lease_id } }), 404, 'not_found');
    // Bob's own thread does not reach alice's lease either.
    const bobThread = await newThread(bob);
    expectError(await t.call('POST', `/v1/threads/${bobThread}/runs/${run.lease_id}/end`, { token: bob, body: {} }), 404, 'not_found');
    const [message] = await listed(threadId);
    assert.equal(message!.run.status, 'running');
    assert.deepEqual(message!.content, { status: { type: 'running' } });
  });

  it('a create carrying lease_id writes the leased message instead of storing another', async () => {
    const threadId = await newThread();
    const run = await openRun(threadId, { external_id: 'local-a' });
    const create = (extra: Record<string, unknown>) =>
      t.call('POST', `/v1/threads/${threadId}/messages`, { token: alice, body: { parent_id: null, format: 'aui/v0', content: { text: 'done' }, external_id: 'local-a', ...extra } });
    const res = await create({ lease_id: run.lease_id });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { message_id: run.message_id });
    const messages = await listed(threadId);
    assert.equal(messages.length, 1, 'no second message');
    assert.deepEqual(messages[0]!.content, { text: 'done' });

    expectError(await create({ lease_id: run.lease_id, open_run: true }), 400, 'validation_error');
    expectError(await create({ lease_id: run.lease_id, external_id: 'local-b' }), 409, 'lease_mismatch');
    expectError(await create({ lease_id: 'lease_unknown' }), 409, 'lease_mismatch');
    expectError(await create({ lease_id: run.lease_id, format: 'ai-sdk/v6' }), 400, 'validation_error');
    await t.call('POST', `/v1/threads/${threadId}/runs/${run.lease_id}/end`, { token: alice, body: { reason: 'done' } });
    expectError(await create({ lease_id: run.lease_id }), 409, 'run_ended');
    assert.equal((await listed(threadId)).length, 1);
  });

  it('a lease is never expired by the server: a beat long after the last one still renews it', async () => {
    // No clock is moved here (the store cases do that); this pins that nothing but an end ends a lease.
    const threadId = await newThread();
    const run = await openRun(threadId);
    for (let i = 0; i < 3; i++) assert.equal((await t.call('POST', `/v1/threads/${threadId}/runs/${run.lease_id}/heartbeat`, { token: alice })).status, 200);
    assert.equal((await listed(threadId))[0]!.run.status, 'running');
  });
});
