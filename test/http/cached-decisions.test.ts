/**
 * The verified-credential cache never changes a decision: a credential that was accepted (and so
 * cached) is refused on the very next request after its API key, session or user is revoked; in
 * the revoking process at once, in another process through Redis, and without Redis through the
 * stored epoch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';
import { serviceUrl } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function apiKeyWithToken(t: TestApp) {
  const key = (await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'k' } })).body as { id: string; key: string };
  const headers = { 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' };
  const token = (await t.call('POST', '/v1/auth/tokens', { token: key.key, headers })).body.token as string;
  return { ...key, headers, token };
}

describe('cached credentials and revocation (one process)', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('an API key and its workspace token are refused right after the key is revoked', async () => {
    const k = await apiKeyWithToken(t);
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.call('GET', '/v1/threads', { token: k.token })).status, 200);
      assert.equal((await t.call('GET', '/v1/threads', { token: k.key, headers: k.headers })).status, 200);
    }
    await t.call('DELETE', `/admin/v1/api-keys/${k.id}`, { token: TEST_ADMIN_KEY });
    expectError(await t.call('GET', '/v1/threads', { token: k.token }), 401, 'token_revoked');
    expectError(await t.call('GET', '/v1/threads', { token: k.key, headers: k.headers }), 401, 'invalid_api_key');
  });

  it('an anonymous access token is refused right after its refresh token is reused', async () => {
    const session = (await t.call('POST', '/v1/auth/tokens/anonymous')).body;
    assert.equal((await t.call('GET', '/v1/threads', { token: session.access_token })).status, 200);
    const first = session.refresh_token.token;
    assert.equal((await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: first } })).status, 200);
    expectError(await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: first } }), 401, 'refresh_token_reused');
    expectError(await t.call('GET', '/v1/threads', { token: session.access_token }), 401, 'token_revoked');
  });

  it('a user\'s cached token is refused right after the user is revoked', async () => {
    const token = await t.tokenFor('hank', 'w-hank');
    assert.equal((await t.call('GET', '/v1/threads', { token })).status, 200);
    await t.call('POST', '/admin/v1/users/hank/revoke', { token: TEST_ADMIN_KEY });
    expectError(await t.call('GET', '/v1/threads', { token }), 401, 'token_revoked');
  });
});

describe('cached credentials and revocation (two processes on one database, no Redis)', () => {
  it('the other process refuses within the poll interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-epoch-'));
    const env = { DATABASE_URL: join(dir, 'shared.db'), THREADGATE_REVOCATION_POLL_MS: '50' };
    const a = await createTestApp(env);
    const b = await createTestApp(env);
    try {
      const k = await apiKeyWithToken(a);
      assert.equal((await b.call('GET', '/v1/threads', { token: k.token })).status, 200, 'b has it cached');
      await a.call('DELETE', `/admin/v1/api-keys/${k.id}`, { token: TEST_ADMIN_KEY });
      await sleep(200);
      expectError(await b.call('GET', '/v1/threads', { token: k.token }), 401, 'token_revoked');
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const redisUrl = serviceUrl('TEST_REDIS_URL');
if (redisUrl !== undefined) {
  describe('cached credentials and revocation (two processes, Redis)', () => {
    it('the other process refuses as soon as the Redis message arrives', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'threadgate-epoch-redis-'));
      // Polling off: only Redis can tell b.
      const env = { DATABASE_URL: join(dir, 'shared.db'), REDIS_URL: redisUrl, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, THREADGATE_REVOCATION_POLL_MS: '0' };
      const a = await createTestApp(env);
      const b = await createTestApp(env);
      try {
        const k = await apiKeyWithToken(a);
        assert.equal((await b.call('GET', '/v1/threads', { token: k.token })).status, 200);
        await a.call('DELETE', `/admin/v1/api-keys/${k.id}`, { token: TEST_ADMIN_KEY });
        await sleep(50);
        expectError(await b.call('GET', '/v1/threads', { token: k.token }), 401, 'token_revoked');
      } finally {
        await a.close();
        await b.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
