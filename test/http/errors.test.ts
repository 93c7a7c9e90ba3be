/**
 * The error contract (SPEC section 5) at the HTTP boundary: JSON {error, message} with stable codes,
 * RFC 6750 challenges on 401, validation errors naming the field, a body limit, and bad input that
 * changes nothing and echoes no secret.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { expectError } from '../helpers/error-contract.js';

describe('error contract', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await createTestApp({ THREADGATE_BODY_LIMIT_BYTES: '2048', THREADGATE_ANONYMOUS_MINTS_PER_MINUTE: '3' });
    token = await t.tokenFor('u1', 'w1');
  });
  after(async () => t.close());

  const threadCount = async () => (await t.call('GET', '/v1/threads?limit=100', { token })).body.threads.length;

  it('validation errors name the field and change nothing', async () => {
    const before = await threadCount();
    const cases: Array<[unknown, string]> = [
      [{ title: 42 }, 'title'],
      [{ last_message_at: 'yesterday' }, 'last_message_at'],
      [{ external_id: '' }, 'external_id'],
      [{ upsert: 'yes' }, 'upsert'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/v1/threads', { token, body });
      expectError(res, 400, 'validation_error');
      assert.equal(res.body.field, field);
    }
    const limit = await t.call('GET', '/v1/threads?limit=101', { token });
    expectError(limit, 400, 'validation_error');
    assert.equal(limit.body.field, 'limit');
    assert.equal(await threadCount(), before);
  });

  it('malformed JSON is a validation error on the body', async () => {
    const res = await t.call('POST', '/v1/threads', { token, body: '{"title": ' });
    expectError(res, 400, 'validation_error');
    assert.equal(res.body.field, 'body');
  });

  it('a body over the limit is payload_too_large and stores nothing', async () => {
    const before = await threadCount();
    expectError(await t.call('POST', '/v1/threads', { token, body: { title: 'x'.repeat(5000) } }), 413, 'payload_too_large');
    assert.equal(await threadCount(), before);
  });

  it('an unknown route is a JSON not_found', async () => {
    expectError(await t.call('GET', '/v1/nothing-here', { token }), 404, 'not_found');
  });

  it('a garbage bearer token is invalid_token with an RFC 6750 error and is not echoed', async () => {
    const garbage = 'not.a.jwt-secret-value';
    const res = await t.call('GET', '/v1/threads', { token: garbage });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="threadgate", error="invalid_token"/);
    assert.ok(!JSON.stringify(res.body).includes(garbage));
    assert.ok(!(res.headers.get('www-authenticate') ?? '').includes(garbage));
  });

  it('an unknown API key is invalid_api_key and is not echoed', async () => {
    const key = 'tg_sk_' + 'A'.repeat(43);
    const res = await t.call('GET', '/v1/threads', { token: key, headers: { 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' } });
    expectError(res, 401, 'invalid_api_key', [key]);
  });

  it('editing a message that has children is a 409 conflict', async () => {
    const threadId = (await t.call('POST', '/v1/threads', { token, body: {} })).body.thread_id;
    const root = (await t.call('POST', `/v1/threads/${threadId}/messages`, { token, body: { parent_id: null, format: 'aui/v0', content: { a: 1 } } })).body.message_id;
    await t.call('POST', `/v1/threads/${threadId}/messages`, { token, body: { parent_id: root, format: 'aui/v0', content: { b: 1 } } });
    expectError(await t.call('PUT', `/v1/threads/${threadId}/messages/${root}`, { token, body: { content: { a: 2 } } }), 409, 'conflict');
    const list = (await t.call('GET', `/v1/threads/${threadId}/messages`, { token })).body.messages;
    assert.deepEqual(list.find((m: { id: string }) => m.id === root).content, { a: 1 }, 'the refused edit changed nothing');
  });

  it('anonymous mints are rate limited per address with Retry-After', async () => {
    const statuses: number[] = [];
    const remaining: Array<string | null> = [];
    let limited: Awaited<ReturnType<TestApp['call']>> | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await t.call('POST', '/v1/auth/tokens/anonymous');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else {
        remaining.push(res.headers.get('ratelimit-remaining'));
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', 'the counters join the standard headers, not replace them');
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.deepEqual(remaining, ['2', '1', '0'], 'a successful mint says how many are left');
    expectError(limited!, 429, 'rate_limited');
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1);
    assert.equal(limited!.headers.get('ratelimit-limit'), '3');
  });

  it('a claim with a bad refresh token answers as the refresh route does: 401 invalid_refresh_token, naming the field', async () => {
    const res = await t.call('POST', '/v1/threads/claim', { token, body: { refresh_token: 'tg_rt_not-a-real-token' } });
    expectError(res, 401, 'invalid_refresh_token', ['tg_rt_not-a-real-token']);
    assert.equal(res.body.field, 'refresh_token');
  });

  it('anonymous sessions can be switched off', async () => {
    const off = await createTestApp({ THREADGATE_ANONYMOUS: 'false' });
    try {
      expectError(await off.call('POST', '/v1/auth/tokens/anonymous'), 404, 'feature_disabled');
    } finally {
      await off.close();
    }
  });
});
