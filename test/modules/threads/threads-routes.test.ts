/**
 * `GET /v1/threads` lists like the hosted service: without `is_archived`, unarchived threads only
 * (the assistant-cloud client lists its active threads that way, and its archived ones with
 * `is_archived=true`), so newer archived threads never crowd active ones off the first page.
 *
 * `POST /v1/threads/claim` ends the anonymous session it absorbs at once, in this process's
 * credential cache too: its revocation moves the revocation epoch once the claim has committed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';

describe('thread list', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('lists unarchived threads without is_archived, archived ones with is_archived=true', async () => {
    const token = await t.tokenFor('carol', 'ws-carol');
    const create = async (title: string, at: string) =>
      (await t.call('POST', '/v1/threads', { token, body: { title, last_message_at: at } })).body.thread_id as string;
    const active = await create('active', '2026-01-01T00:00:00.000Z');
    const archived: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = await create(`archived ${i}`, `2026-02-01T00:00:${String(i).padStart(2, '0')}.000Z`);
      assert.equal((await t.call('PUT', `/v1/threads/${id}`, { token, body: { is_archived: true } })).status, 204);
      archived.push(id);
    }
    const ids = async (query: string) => ((await t.call('GET', `/v1/threads${query}`, { token })).body.threads as Array<{ id: string }>).map((x) => x.id);

    assert.deepEqual(await ids(''), [active], '20 newer archived threads do not crowd out the active one');
    assert.deepEqual(await ids('?is_archived=false'), [active]);
    assert.deepEqual(await ids('?is_archived=true'), [...archived].reverse());
    // Pages of archived threads chain within the filter.
    const firstPage = await ids('?is_archived=true&limit=15');
    assert.deepEqual([...firstPage, ...(await ids(`?is_archived=true&limit=15&after=${firstPage.at(-1)}`))], [...archived].reverse());

    await t.call('PUT', `/v1/threads/${archived[0]}`, { token, body: { is_archived: false } });
    assert.deepEqual(await ids(''), [archived[0], active], 'unarchived, it is listed again');
  });
});

describe('thread claim', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('moves the anonymous session\'s threads and ends that session at once, its cached access token included', async () => {
    const session = (await t.call('POST', '/v1/auth/tokens/anonymous')).body;
    const anonymous = session.access_token as string;
    const threadId = (await t.call('POST', '/v1/threads', { token: anonymous, body: { title: 'before signing in' } })).body.thread_id as string;
    // Accepted, and so cached, more than once before the claim.
    for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', '/v1/threads', { token: anonymous })).status, 200);

    const alice = await t.tokenFor('alice', 'ws-alice');
    const claimed = await t.call('POST', '/v1/threads/claim', { token: alice, body: { refresh_token: session.refresh_token.token } });
    assert.deepEqual([claimed.status, claimed.body], [200, { moved: 1 }]);
    assert.equal((await t.call('GET', `/v1/threads/${threadId}`, { token: alice })).body.thread.workspace_id, 'ws-alice');

    expectError(await t.call('GET', '/v1/threads', { token: anonymous }), 401, 'token_revoked');
    expectError(await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: session.refresh_token.token } }), 401, 'invalid_refresh_token');
    expectError(await t.call('POST', '/v1/threads/claim', { token: alice, body: { refresh_token: session.refresh_token.token } }), 401, 'invalid_refresh_token');
  });
});
