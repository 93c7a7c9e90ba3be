/**
 * The real `assistant-cloud` client in `authToken` mode with an app-signed HS256 user token
 * (SPEC 2.3 and 6): the app's backend signs with `signUserToken` and the secret the admin API
 * showed; the client sends it once, then uses the workspace token the server answers with; deleting
 * the authentication key refuses both. Against a real server process (dist/), on SQLite.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssistantCloud, CloudAPIError } from 'assistant-cloud';
import { signUserToken } from '../../src/index.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

describe('assistant-cloud client with an HS256 user token (authToken mode)', () => {
  let dir: string;
  let server: ServerProcess;
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-e2e-user-token-'));
    server = await startServerProcess({ DATABASE_URL: join(dir, 'e2e.db') });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('works with a token signed by the app backend, asks for it once, and stops when the key is deleted', async () => {
    const res = await admin('POST', '/admin/v1/auth-keys', { name: 'e2e backend' });
    assert.equal(res.status, 201);
    const key = (await res.json()) as { id: string; secret: string };
    let signed = 0;
    // What the app's backend endpoint would do for its signed-in user.
    const authToken = async () => {
      signed++;
      return signUserToken({ keyId: key.id, secret: key.secret, sub: 'alice', workspaceId: 'org1_alice', expiresIn: '1h' });
    };
    const cloud = new AssistantCloud({ baseUrl: server.url, authToken });
    const { thread_id } = await cloud.threads.create({ title: 'from a user token', last_message_at: new Date() });
    const listed = await cloud.threads.list();
    assert.deepEqual(listed.threads.map((t) => t.id), [thread_id]);
    assert.equal((await cloud.threads.get(thread_id)).workspace_id, 'org1_alice');
    assert.equal(signed, 1, 'the user token is asked for once; the exchanged workspace token is used afterwards');

    const other = new AssistantCloud({
      baseUrl: server.url,
      authToken: () => signUserToken({ keyId: key.id, secret: key.secret, sub: 'bob' }),
    });
    assert.deepEqual((await other.threads.list()).threads, [], 'another user sees none of it');

    assert.equal((await admin('DELETE', `/admin/v1/auth-keys/${key.id}`)).status, 204);
    await assert.rejects(cloud.threads.list(), (error: unknown) => error instanceof CloudAPIError && error.status === 401 && error.code === 'token_revoked');
    const fresh = new AssistantCloud({ baseUrl: server.url, authToken });
    await assert.rejects(fresh.threads.list(), (error: unknown) => error instanceof CloudAPIError && error.status === 401 && error.code === 'unknown_signing_key');
  });
});
