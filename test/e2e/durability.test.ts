/**
 * Durability of the real server process on SQLite: data written before a stop is there after a
 * start (and tokens signed before it still verify: the signing key is stored, encrypted); and a
 * kill -9 in the middle of a burst of writes loses nothing the server acknowledged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

async function json(res: Response) {
  const text = await res.text();
  return text === '' ? undefined : JSON.parse(text);
}

async function createKey(url: string): Promise<string> {
  const res = await fetch(`${url}/admin/v1/api-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'durability' }),
  });
  assert.equal(res.status, 201);
  return (await json(res)).key;
}

describe('durability (SQLite, real process)', () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-durability-'));
    env = { DATABASE_URL: join(dir, 'data.db') };
  });
  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps data and honours earlier tokens across a restart', async () => {
    server = await startServerProcess(env);
    const key = await createKey(server.url);
    const headers = { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w', 'Content-Type': 'application/json' };
    const created = await json(await fetch(`${server.url}/v1/threads`, { method: 'POST', headers, body: JSON.stringify({ title: 'kept' }) }));
    const token = (await json(await fetch(`${server.url}/v1/auth/tokens`, { method: 'POST', headers }))).token as string;
    await server.stop();

    server = await startServerProcess(env);
    const viaKey = await json(await fetch(`${server.url}/v1/threads/${created.thread_id}`, { headers }));
    assert.equal(viaKey.thread.title, 'kept');
    const viaToken = await fetch(`${server.url}/v1/threads/${created.thread_id}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(viaToken.status, 200, 'a token signed before the restart still verifies');
    await server.stop();
  });

  it('loses nothing acknowledged when killed with SIGKILL during a burst of writes', async () => {
    server = await startServerProcess(env);
    const key = await createKey(server.url);
    const headers = { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'burst', 'Content-Type': 'application/json' };
    const threadId = (await json(await fetch(`${server.url}/v1/threads`, { method: 'POST', headers, body: JSON.stringify({ title: 'burst' }) }))).thread_id;

    const acknowledged: string[] = [];
    let stop = false;
    const writer = async () => {
      while (!stop) {
        try {
          const res = await fetch(`${server!.url}/v1/threads/${threadId}/messages`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ parent_id: null, format: 'aui/v0', content: { n: acknowledged.length } }),
          });
          if (res.status === 201) acknowledged.push((await json(res)).message_id);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    while (acknowledged.length < 150) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.kill();
    stop = true;
    await Promise.all(writers);

    server = await startServerProcess(env);
    const stored = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await json(await fetch(`${server.url}/v1/threads/${threadId}/messages?limit=200${after ? `&after=${after}` : ''}`, { headers }));
      for (const message of page.messages) stored.add(message.id);
      if (page.messages.length < 200) break;
      after = page.messages.at(-1).id;
    }
    const lost = acknowledged.filter((id) => !stored.has(id));
    assert.ok(acknowledged.length >= 150);
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes were lost`);
    await server.stop();
  });
});
