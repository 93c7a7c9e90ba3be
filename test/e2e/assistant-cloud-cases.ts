/**
 * The real `assistant-cloud` npm client against the real server (a child process running
 * `threadgate serve`), in each of the client's three modes: apiKey + userId + workspaceId,
 * authToken (a workspace token minted through the API key), and anonymous (with a localStorage
 * shim, as in a browser). Run once on SQLite and once on PostgreSQL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssistantCloud, CloudAPIError, readAnonymousRefreshToken } from 'assistant-cloud';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';
import { installLocalStorage } from '../helpers/local-storage.js';

async function createApiKey(baseUrl: string, name: string): Promise<string> {
  const res = await fetch(`${baseUrl}/admin/v1/api-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  assert.equal(res.status, 201);
  const body = (await res.json()) as { key: string };
  return body.key;
}

async function rejection(promise: Promise<unknown>): Promise<CloudAPIError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CloudAPIError, `expected a CloudAPIError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to be refused');
}

export function runAssistantCloudCases(label: string, env: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>) {
  describe(`assistant-cloud client end to end (${label})`, () => {
    let server: ServerProcess;
    let cleanup: () => Promise<void>;
    let apiKey: string;
    let alice: AssistantCloud;
    let bob: AssistantCloud;

    before(async () => {
      const setup = await env();
      cleanup = setup.cleanup;
      server = await startServerProcess({ THREADGATE_ANONYMOUS: 'true', ...setup.env });
      apiKey = await createApiKey(server.url, 'e2e backend');
      alice = new AssistantCloud({ baseUrl: server.url, apiKey, userId: 'alice', workspaceId: 'ws-alice', telemetry: false });
      bob = new AssistantCloud({ baseUrl: server.url, apiKey, userId: 'bob', workspaceId: 'ws-bob', telemetry: false });
    });

    after(async () => {
      await server?.stop();
      await cleanup?.();
    });

    it('apiKey mode: creates threads and pages through them newest first with no gap or repeat', async () => {
      const base = Date.parse('2026-01-01T00:00:00.000Z');
      const created: string[] = [];
      for (let i = 0; i < 25; i++) {
        const { thread_id } = await alice.threads.create({ title: `t${i}`, last_message_at: new Date(base + i * 1000) });
        created.push(thread_id);
      }
      const firstPage = await alice.threads.list();
      assert.equal(firstPage.threads.length, 20, 'default limit is 20');
      assert.equal(firstPage.threads[0]!.title, 't24');

      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await alice.threads.list({ limit: 10, ...(after ? { after } : {}) });
        seen.push(...page.threads.map((t) => t.id));
        if (page.threads.length < 10) break;
        after = page.threads.at(-1)!.id;
      }
      assert.deepEqual(seen, [...created].reverse());
      const thread = await alice.threads.get(created[0]!);
      assert.equal(thread.workspace_id, 'ws-alice');
      assert.equal(thread.title, 't0');
      assert.equal(thread.is_archived, false);
      assert.equal(thread.last_message_at.toISOString(), new Date(base).toISOString());
    });

    it('apiKey mode: archives, renames and filters by is_archived', async () => {
      const { thread_id } = await alice.threads.create({ title: 'to archive', last_message_at: new Date() });
      await alice.threads.update(thread_id, { is_archived: true, title: 'archived one', metadata: { pinned: true } });
      const archived = await alice.threads.list({ is_archived: true });
      assert.deepEqual(archived.threads.map((t) => t.title), ['archived one']);
      assert.deepEqual(archived.threads[0]!.metadata, { pinned: true });
      const active = await alice.threads.list({ is_archived: false, limit: 100 });
      assert.ok(!active.threads.some((t) => t.id === thread_id));
    });

    it('apiKey mode: builds a branching message tree, edits leaves only, records feedback, deletes a branch', async () => {
      const { thread_id } = await alice.threads.create({ title: 'tree', last_message_at: new Date() });
      const m = alice.threads.messages;
      const root = await m.create(thread_id, { parent_id: null, format: 'aui/v0', content: { role: 'user', text: 'hi' } });
      const a = await m.create(thread_id, { parent_id: root.message_id, format: 'aui/v0', content: { role: 'assistant', text: 'A' } });
      const b = await m.create(thread_id, { parent_id: root.message_id, format: 'aui/v0', content: { role: 'assistant', text: 'B' } });
      const b1 = await m.create(thread_id, { parent_id: b.message_id, format: 'aui/v0', content: { role: 'user', text: 'more' } });

      const { messages } = await m.list(thread_id, { limit: 200 });
      const byId = new Map(messages.map((msg) => [msg.id, msg]));
      assert.equal(messages.length, 4);
      assert.equal(messages[0]!.id, b1.message_id, 'newest first');
      assert.equal(byId.get(root.message_id)!.height, 0);
      assert.equal(byId.get(a.message_id)!.height, 1);
      assert.equal(byId.get(b.message_id)!.parent_id, root.message_id);
      assert.equal(byId.get(b1.message_id)!.height, 2);

      const pageOne = await m.list(thread_id, { limit: 3 });
      const pageTwo = await m.list(thread_id, { limit: 3, after: pageOne.messages.at(-1)!.id });
      assert.deepEqual([...pageOne.messages, ...pageTwo.messages].map((x) => x.id), messages.map((x) => x.id));

      await m.update(thread_id, a.message_id, { content: { role: 'assistant', text: 'A, edited' } });
      assert.deepEqual((await m.list(thread_id, { limit: 200 })).messages.find((x) => x.id === a.message_id)!.content, { role: 'assistant', text: 'A, edited' });
      const conflict = await rejection(m.update(thread_id, root.message_id, { content: { text: 'rewrite history' } }));
      assert.equal(conflict.status, 409);
      assert.equal(conflict.code, 'conflict');

      const feedback = await m.feedback(thread_id, a.message_id, { type: 'positive', comment: ' great ' });
      assert.equal(feedback.type, 'positive');
      assert.equal(feedback.comment, 'great');
      assert.ok(feedback.feedback_id.length > 0);

      await m.delete(thread_id, [b.message_id]);
      const remaining = (await m.list(thread_id, { limit: 200 })).messages.map((x) => x.id).sort();
      assert.deepEqual(remaining, [root.message_id, a.message_id].sort(), 'deleting B removes its reply too');

      const badParent = await rejection(m.create(thread_id, { parent_id: 'msg_nope', format: 'aui/v0', content: {} }));
      assert.equal(badParent.status, 400);
      assert.equal(badParent.code, 'validation_error');
    });

    it('apiKey mode: stores run reports and scores, and deletes a thread', async () => {
      const { thread_id } = await alice.threads.create({ title: 'telemetry', last_message_at: new Date() });
      const run = await alice.runs.report({ thread_id, status: 'completed', total_steps: 1, input_tokens: 10, output_tokens: 5 });
      assert.ok(run.run_id.length > 0);
      const score = await alice.scores.create({ name: 'helpful', data_type: 'numeric', value: 0.5, thread_id });
      assert.equal(score.value, 0.5);
      assert.equal(score.name, 'helpful');
      await alice.threads.delete(thread_id);
      const gone = await rejection(alice.threads.get(thread_id));
      assert.equal(gone.status, 404);
      assert.equal(gone.code, 'not_found');
    });

    it('another workspace sees none of it: 404 on every call with the other\'s ids', async () => {
      const { thread_id } = await alice.threads.create({ title: 'private', last_message_at: new Date() });
      const msg = await alice.threads.messages.create(thread_id, { parent_id: null, format: 'aui/v0', content: { text: 'secret' } });
      assert.equal((await bob.threads.list({ limit: 100 })).threads.length, 0);
      // One call at a time: each is started only when the previous one has been refused.
      for (const attempt of [
        () => bob.threads.get(thread_id),
        () => bob.threads.update(thread_id, { title: 'pwned' }),
        () => bob.threads.delete(thread_id),
        () => bob.threads.messages.list(thread_id),
        () => bob.threads.messages.create(thread_id, { parent_id: msg.message_id, format: 'aui/v0', content: {} }),
        () => bob.threads.messages.update(thread_id, msg.message_id, { content: {} }),
        () => bob.threads.messages.delete(thread_id, [msg.message_id]),
        () => bob.threads.messages.feedback(thread_id, msg.message_id, { type: 'negative' }),
        () => bob.runs.report({ thread_id, status: 'completed' }),
      ]) {
        const error = await rejection(attempt());
        assert.equal(error.status, 404);
        assert.equal(error.code, 'not_found');
      }
      const still = await alice.threads.get(thread_id);
      assert.equal(still.title, 'private');
      assert.equal((await alice.threads.messages.list(thread_id)).messages.length, 1);
    });

    it('authToken mode: a workspace token minted with the API key reaches the same workspace', async () => {
      let mints = 0;
      const viaToken = new AssistantCloud({
        baseUrl: server.url,
        telemetry: false,
        authToken: async () => {
          mints++;
          return (await alice.auth.tokens.create()).token;
        },
      });
      const { thread_id } = await viaToken.threads.create({ title: 'via token', last_message_at: new Date() });
      const seenByKey = await alice.threads.get(thread_id);
      assert.equal(seenByKey.title, 'via token');
      await viaToken.threads.list();
      assert.equal(mints, 1, 'the client reuses the token until it nears expiry');

      const forged = new AssistantCloud({ baseUrl: server.url, telemetry: false, authToken: async () => `${(await alice.auth.tokens.create()).token.slice(0, -4)}AAAA` });
      const refused = await rejection(forged.threads.list());
      assert.equal(refused.status, 401);
    });

    it('anonymous mode: starts a session, refreshes it, and a signed-in user claims its threads', async () => {
      const storage = installLocalStorage();
      try {
        const anon = new AssistantCloud({ baseUrl: server.url, anonymous: true, telemetry: false });
        const { thread_id } = await anon.threads.create({ title: 'before sign-in', last_message_at: new Date() });
        const me = await anon.threads.get(thread_id);
        assert.match(me.workspace_id, /^anon_/);

        const firstRefresh = readAnonymousRefreshToken(server.url);
        assert.ok(firstRefresh);
        anon.auth.invalidate(); // drop the access token: the next call refreshes
        assert.equal((await anon.threads.list()).threads.length, 1);
        const secondRefresh = readAnonymousRefreshToken(server.url);
        assert.ok(secondRefresh && secondRefresh !== firstRefresh, 'refresh rotates the refresh token');

        // The refresh spent the first token: claiming with it is the refresh route's answer,
        // 401 invalid_refresh_token (docs/credentials/anonymous.md), and ends nothing.
        await assert.rejects(alice.threads.claim({ refresh_token: firstRefresh }), (error: unknown) => {
          assert.ok(error instanceof CloudAPIError);
          assert.equal(error.status, 401);
          assert.equal(error.code, 'invalid_refresh_token');
          return true;
        });
        const claimed = await alice.threads.claim({ refresh_token: secondRefresh });
        assert.equal(claimed.moved, 1);
        const moved = await alice.threads.get(thread_id);
        assert.equal(moved.workspace_id, 'ws-alice');

        const replay = await fetch(`${server.url}/v1/auth/tokens/refresh`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: firstRefresh }),
        });
        assert.equal(replay.status, 401, 'the claimed session is over');
        assert.ok(['refresh_token_reused', 'invalid_refresh_token'].includes(((await replay.json()) as { error: string }).error));
      } finally {
        storage.uninstall();
      }
    });
  });
}
