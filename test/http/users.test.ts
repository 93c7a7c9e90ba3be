/**
 * Revoking a user (SPEC 4, issue 3 item 7): every workspace token and refresh token of the user
 * issued before now is refused on the very next request; tokens issued afterwards work; other
 * users are untouched.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';

describe('user revocation', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('refuses the user\'s earlier tokens at once, and only that user\'s', async () => {
    const erin = await t.tokenFor('erin', 'w-erin');
    const frank = await t.tokenFor('frank', 'w-frank');
    assert.equal((await t.call('GET', '/v1/threads', { token: erin })).status, 200);
    const res = await t.call('POST', '/admin/v1/users/erin/revoke', { token: TEST_ADMIN_KEY });
    assert.equal(res.status, 200);
    assert.equal(res.body.user_id, 'erin');
    expectError(await t.call('GET', '/v1/threads', { token: erin }), 401, 'token_revoked');
    assert.equal((await t.call('GET', '/v1/threads', { token: frank })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // iat has whole seconds
    assert.equal((await t.call('GET', '/v1/threads', { token: await t.tokenFor('erin', 'w-erin') })).status, 200, 'a new sign-in works');
  });

  it('ends an anonymous user\'s session: its access and refresh tokens are refused', async () => {
    const session = (await t.call('POST', '/v1/auth/tokens/anonymous')).body;
    const me = (await t.call('GET', '/v1/me', { token: session.access_token })).body;
    await t.call('POST', `/admin/v1/users/${me.user_id}/revoke`, { token: TEST_ADMIN_KEY });
    expectError(await t.call('GET', '/v1/threads', { token: session.access_token }), 401, 'token_revoked');
    const refresh = await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: session.refresh_token.token } });
    assert.equal(refresh.status, 401);
  });
});
