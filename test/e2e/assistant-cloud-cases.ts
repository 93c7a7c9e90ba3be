/**
 * The real `assistant-cloud` npm client against the real server (a child process running
 * `threadgate serve`), in each of the client's three modes: apiKey + userId + workspaceId,
 * authToken (a workspace token minted through the API key), and anonymous (with a localStorage
 * shim, as in a browser). Run with the newest client on SQLite and on PostgreSQL, and with 0.2.9
 * (installed as the npm alias `assistant-cloud-0-2-9`) on SQLite, since older apps still exist.
 * What the newer client added (run leases; titles, files and project lists as assistant-ui
 * 0.15 uses them) is in "what assistant-ui apps call" at the end, in all three modes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as newestClient from 'assistant-cloud';
import * as client029 from 'assistant-cloud-0-2-9';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';
import { installLocalStorage } from '../helpers/local-storage.js';

type ClientModule = typeof newestClient;
type Cloud = InstanceType<ClientModule['AssistantCloud']>;

/** One installed version of the client, and what it can do. */
export interface ClientUnderTest {
  version: string;
  module: ClientModule;
  /** Run leases (`open_run`, `threads.runs`), added in 0.2.11. */
  runLeases: boolean;
}

function installedVersion(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'assistant-cloud' && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level
    }
  }
  throw new Error(`no package.json above ${entry}`);
}

/** The newest client (the devDependency `assistant-cloud`, what a new assistant-ui app gets). */
export const NEWEST_CLIENT: ClientUnderTest = { version: installedVersion('assistant-cloud'), module: newestClient, runLeases: true };
/** 0.2.9, what apps from before run leases use. Its types are the newest's minus what it lacks. */
export const CLIENT_0_2_9: ClientUnderTest = { version: installedVersion('assistant-cloud-0-2-9'), module: client029 as unknown as ClientModule, runLeases: false };

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

/**
 * What these cases use of assistant-cloud 0.2.11 and later (run leases), which the pinned 0.2.9
 * lacks: a case that needs it skips with an older client, and runs once the pin moves.
 */
interface LeaseClient {
  threads: {
    runs: {
      heartbeat(threadId: string, leaseId: string): Promise<{ heartbeat_interval_ms: number }>;
      end(threadId: string, leaseId: string, body?: { reason?: 'done' | 'cancelled' | 'error' }): Promise<void>;
    };
    messages: {
      create(threadId: string, body: { parent_id: string | null; format: string; content: object; open_run?: true }): Promise<{ message_id: string; run?: { lease_id: string; heartbeat_interval_ms: number } }>;
      list(threadId: string, query?: { limit?: number }): Promise<{ messages: Array<{ id: string; content: unknown; run?: { status: string; last_heartbeat_ms_ago: number } }> }>;
    };
  };
}
interface LeasePersistence {
  append(threadId: string, messageId: string, parentId: string | null, format: string, content: object, run?: 'running' | 'done'): Promise<void>;
  hasOpenRun(messageId: string): boolean;
}
const withLeases = (cloud: Cloud): LeaseClient | undefined => ('runs' in cloud.threads ? (cloud as unknown as LeaseClient) : undefined);

/** The client's refusal of a call (a CloudAPIError of whichever client version made it). */
type Refusal = Error & { status: number; code?: string };

async function rejection(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error && error.name === 'CloudAPIError', `expected a CloudAPIError, got ${String(error)}`);
    return error as Refusal;
  }
  assert.fail('expected the call to be refused');
}

export function runAssistantCloudCases(
  label: string,
  env: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>,
  client: ClientUnderTest = NEWEST_CLIENT,
) {
  const { AssistantCloud, CloudAPIError, readAnonymousRefreshToken } = client.module;
  describe(`assistant-cloud ${client.version} client end to end (${label})`, () => {
    let server: ServerProcess;
    let cleanup: () => Promise<void>;
    let apiKey: string;
    let alice: Cloud;
    let bob: Cloud;

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
      // Without the flag (how the client lists active threads): unarchived only, as the hosted service does.
      const listed = await alice.threads.list({ limit: 100 });
      assert.ok(listed.threads.length > 0);
      assert.ok(listed.threads.every((t) => !t.is_archived));
      await alice.threads.update(thread_id, { is_archived: false });
      assert.ok((await alice.threads.list({ limit: 100 })).threads.some((t) => t.id === thread_id), 'unarchived, it is listed again');
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

    it('apiKey mode: a backend reads every workspace of the project (cloud.projects); a workspace token may not', async () => {
      const { thread_id: aliceThread } = await alice.threads.create({ title: 'project-wide alice', last_message_at: new Date() });
      const { thread_id: bobThread } = await bob.threads.create({ title: 'project-wide bob', last_message_at: new Date() });
      await bob.threads.messages.create(bobThread, { parent_id: null, format: 'aui/v0', content: { text: 'from bob' } });
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await alice.projects.threads.list({ limit: 5, ...(after ? { after } : {}) });
        seen.push(...page.threads.map((t) => t.id));
        if (page.threads.length < 5) break;
        after = page.threads.at(-1)!.id;
      }
      assert.equal(new Set(seen).size, seen.length, 'no thread twice');
      assert.ok(seen.includes(aliceThread) && seen.includes(bobThread), 'both workspaces');
      const { messages } = await alice.projects.threads.messages.list(bobThread);
      assert.deepEqual(messages.map((m) => m.content), [{ text: 'from bob' }]);

      const viaToken = new AssistantCloud({ baseUrl: server.url, telemetry: false, authToken: async () => (await alice.auth.tokens.create()).token });
      const refused = await rejection(viaToken.projects.threads.list());
      assert.equal(refused.status, 403);
      assert.equal(refused.code, 'forbidden');
    });

    it('run leases: a streamed reply is stored once and its lease ends (assistant-cloud 0.2.11 and later)', async (t) => {
      const cloud = withLeases(alice);
      if (cloud === undefined) {
        t.skip('the installed assistant-cloud predates run leases');
        return;
      }
      const { thread_id } = await alice.threads.create({ title: 'leases', last_message_at: new Date() });
      const persistence = new client.module.CloudMessagePersistence(alice) as unknown as LeasePersistence;
      await persistence.append(thread_id, 'local-user', null, 'aui/v0', { role: 'user', text: 'hi' });
      await persistence.append(thread_id, 'local-reply', 'local-user', 'aui/v0', { role: 'assistant', status: 'running' }, 'running');
      assert.equal(persistence.hasOpenRun('local-reply'), true, 'the server granted a lease');
      assert.equal((await cloud.threads.messages.list(thread_id)).messages[0]!.run?.status, 'running');
      await persistence.append(thread_id, 'local-reply', 'local-user', 'aui/v0', { role: 'assistant', text: 'hello' });
      assert.equal(persistence.hasOpenRun('local-reply'), false);
      const { messages } = await cloud.threads.messages.list(thread_id);
      assert.equal(messages.length, 2, 'the reply is stored once');
      assert.deepEqual(messages[0]!.content, { role: 'assistant', text: 'hello' });
      assert.equal(messages[0]!.run?.status, 'ended');

      const opened = await cloud.threads.messages.create(thread_id, { parent_id: null, format: 'aui/v0', content: {}, open_run: true });
      const lease = opened.run!;
      assert.equal((await cloud.threads.runs.heartbeat(thread_id, lease.lease_id)).heartbeat_interval_ms, lease.heartbeat_interval_ms);
      await cloud.threads.runs.end(thread_id, lease.lease_id, { reason: 'cancelled' });
      await cloud.threads.runs.end(thread_id, lease.lease_id);
      const ended = await rejection(cloud.threads.runs.heartbeat(thread_id, lease.lease_id));
      assert.equal(ended.status, 409);
      assert.equal(ended.code, 'run_ended');
      const unknown = await rejection(cloud.threads.runs.heartbeat(thread_id, 'lease_unknown'));
      assert.equal(unknown.status, 404);
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

    describe('what assistant-ui apps call (run leases, titles, files, project lists, the archived default)', () => {
      let storage: ReturnType<typeof installLocalStorage>;
      const clients = new Map<string, Cloud>();
      const MODES = ['apiKey + userId + workspaceId', 'authToken (workspace token)', 'anonymous'] as const;
      const cloudFor = (mode: (typeof MODES)[number]) => clients.get(mode)!;

      before(() => {
        storage = installLocalStorage();
        clients.set(MODES[0], alice);
        clients.set(MODES[1], new AssistantCloud({ baseUrl: server.url, telemetry: false, authToken: async () => (await alice.auth.tokens.create()).token }));
        clients.set(MODES[2], new AssistantCloud({ baseUrl: server.url, anonymous: true, telemetry: false }));
      });
      after(() => storage?.uninstall());

      const FIRST_QUESTION = 'Plan a weekend trip to Lisbon in spring with a small budget';
      const conversation = [
        { role: 'user', content: [{ type: 'text' as const, text: FIRST_QUESTION }] },
        { role: 'assistant', content: [{ type: 'text' as const, text: 'Here is a plan.' }] },
      ];

      for (const mode of MODES) {
        if (client.runLeases) {
          it(`${mode}: run leases: open_run grants one, writes with it renew it, heartbeat and end; readers see the run`, async () => {
            const cloud = cloudFor(mode);
            const { thread_id } = await cloud.threads.create({ title: 'leases', last_message_at: new Date() });
            const m = cloud.threads.messages;
            const question = await m.create(thread_id, { parent_id: null, format: 'aui/v0', content: { role: 'user', text: 'hi' } });
            const reply = await m.create(thread_id, { parent_id: question.message_id, format: 'aui/v0', content: { role: 'assistant', text: '' }, open_run: true });
            assert.ok(reply.run, 'open_run answers with a lease');
            const lease = reply.run.lease_id;
            assert.ok(lease.length > 0);
            assert.ok(reply.run.heartbeat_interval_ms > 0);
            const other = await m.create(thread_id, { parent_id: question.message_id, format: 'aui/v0', content: { role: 'assistant', text: '' }, open_run: true });
            assert.ok(other.run && other.run.lease_id !== lease, 'each message gets its own lease');

            const listed = new Map((await m.list(thread_id)).messages.map((x) => [x.id, x]));
            assert.equal(listed.get(reply.message_id)!.run?.status, 'running');
            assert.ok(listed.get(reply.message_id)!.run!.last_heartbeat_ms_ago >= 0);
            assert.equal(listed.get(question.message_id)!.run, undefined, 'a message that never had a lease has no run');

            await m.update(thread_id, reply.message_id, { content: { role: 'assistant', text: 'partial' }, lease_id: lease });
            const mismatch = await rejection(m.update(thread_id, reply.message_id, { content: { role: 'assistant', text: 'x' }, lease_id: other.run.lease_id }));
            assert.equal(mismatch.status, 409);
            assert.equal(mismatch.code, 'lease_mismatch');
            assert.ok((await cloud.threads.runs.heartbeat(thread_id, lease)).heartbeat_interval_ms > 0);

            await cloud.threads.runs.end(thread_id, lease, { reason: 'done' });
            await cloud.threads.runs.end(thread_id, lease, { reason: 'error' }); // ending twice succeeds
            for (const attempt of [
              () => m.update(thread_id, reply.message_id, { content: { role: 'assistant', text: 'late' }, lease_id: lease }),
              () => cloud.threads.runs.heartbeat(thread_id, lease),
            ]) {
              const ended = await rejection(attempt());
              assert.equal(ended.status, 409);
              assert.equal(ended.code, 'run_ended');
            }
            const after = (await m.list(thread_id)).messages.find((x) => x.id === reply.message_id)!;
            assert.equal(after.run?.status, 'ended');
            assert.deepEqual(after.content, { role: 'assistant', text: 'partial' }, 'the refused writes changed nothing');

            for (const attempt of [
              () => cloud.threads.runs.heartbeat(thread_id, 'lease_never_granted'),
              () => cloud.threads.runs.end(thread_id, 'lease_never_granted'),
              () => bob.threads.runs.heartbeat(thread_id, other.run!.lease_id),
              () => bob.threads.runs.end(thread_id, other.run!.lease_id, { reason: 'cancelled' }),
            ]) {
              const unknown = await rejection(attempt());
              assert.equal(unknown.status, 404, 'an unknown lease, or another workspace\'s, is 404');
            }
            assert.equal((await m.list(thread_id)).messages.find((x) => x.id === other.message_id)!.run?.status, 'running', 'another workspace ended nothing');
          });

          it(`${mode}: CloudMessagePersistence stores a streamed reply once (the path that stored every reply twice)`, async () => {
            const cloud = cloudFor(mode);
            const { thread_id } = await cloud.threads.create({ title: 'persistence', last_message_at: new Date() });
            const persistence = new client.module.CloudMessagePersistence(cloud);
            await persistence.append(thread_id, 'local-question', null, 'aui/v0', { role: 'user', content: [{ type: 'text', text: 'hi' }] });
            // What assistant-ui does: store the reply as it starts running, then again once it is done.
            await persistence.append(thread_id, 'local-reply', 'local-question', 'aui/v0', { role: 'assistant', content: [] }, 'running');
            const leased = persistence.hasOpenRun('local-reply');
            await persistence.append(thread_id, 'local-reply', 'local-question', 'aui/v0', { role: 'assistant', content: [{ type: 'text', text: 'hello' }] }, 'done');
            const { messages } = await cloud.threads.messages.list(thread_id);
            assert.equal(messages.length, 2, 'the question and one reply');
            assert.ok(leased, 'the server granted the lease the client asked for');
            const reply = messages.find((x) => x.external_id === 'local-reply')!;
            assert.deepEqual(reply.content, { role: 'assistant', content: [{ type: 'text', text: 'hello' }] });
            assert.equal(reply.run?.status, 'ended', 'the done write ended the lease');
            persistence.reset();
          });
        }

        it(`${mode}: generateThreadTitle titles a thread from its conversation (POST /v1/runs/stream)`, async () => {
          const cloud = cloudFor(mode);
          const { thread_id } = await cloud.threads.create({ last_message_at: new Date() });
          const title = await client.module.generateThreadTitle(cloud, { threadId: thread_id, messages: conversation });
          assert.ok(title && title.length > 0, 'a title without any model provider');
          assert.ok(FIRST_QUESTION.startsWith(title) && (title === FIRST_QUESTION || FIRST_QUESTION[title.length] === ' '), `the first message cut at a word boundary, got ${JSON.stringify(title)}`);
          assert.equal((await cloud.threads.get(thread_id)).title, title);

          const unknown = await rejection(cloud.runs.stream({ thread_id, assistant_id: 'no-such-agent' as 'system/thread_title', messages: conversation }));
          assert.equal(unknown.status, 404);
          const foreign = await rejection(bob.runs.stream({ thread_id, assistant_id: 'system/thread_title', messages: conversation }));
          assert.equal(foreign.status, 404, 'another workspace\'s thread is 404');
        });

        it(`${mode}: files: a presigned upload, then a download URL for it; other workspaces get 404`, async () => {
          const cloud = cloudFor(mode);
          const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'notes.txt' });
          assert.equal(upload.success, true);
          assert.ok(upload.key, 'the upload names its key');
          assert.ok(Date.parse(upload.expiresAt) > Date.now(), 'the upload URL expires in the future');
          const put = await fetch(upload.signedUrl, { method: 'PUT', body: 'hello, file', headers: { 'Content-Type': 'text/plain' } });
          assert.ok(put.ok, `upload answered ${put.status}`);

          for (const body of [{ key: upload.key! }, { url: upload.publicUrl }]) {
            const download = await cloud.files.generatePresignedDownloadUrl(body);
            assert.equal(download.key, upload.key);
            const got = await fetch(download.signedUrl);
            assert.equal(got.status, 200);
            assert.equal(await got.text(), 'hello, file');
            assert.match(got.headers.get('content-type') ?? '', /^text\/plain/, 'the content type is kept');
          }
          const foreign = await rejection(bob.files.generatePresignedDownloadUrl({ key: upload.key! }));
          assert.equal(foreign.status, 404, 'another workspace cannot sign a download for it');
          const pdf = await rejection(cloud.files.pdfToImages({ file_url: upload.publicUrl }));
          assert.equal(pdf.status, 404, 'pdfToImages stays 404 (the client marks it deprecated)');
        });

        it(`${mode}: the thread list leaves archived threads out unless asked (is_archived=true)`, async () => {
          const cloud = cloudFor(mode);
          const { thread_id } = await cloud.threads.create({ title: 'archived by default test', last_message_at: new Date() });
          await cloud.threads.update(thread_id, { is_archived: true });
          const active = (await cloud.threads.list({ limit: 100 })).threads;
          assert.ok(!active.some((t) => t.id === thread_id) && active.every((t) => !t.is_archived), 'without is_archived: unarchived threads only');
          assert.ok((await cloud.threads.list({ is_archived: true, limit: 100 })).threads.some((t) => t.id === thread_id));
        });
      }

      it('project-wide thread and message lists: an API key reads every workspace, page by page; no other credential can', async () => {
        const { thread_id } = await bob.threads.create({ title: 'bob, seen project-wide', last_message_at: new Date() });
        await bob.threads.messages.create(thread_id, { parent_id: null, format: 'aui/v0', content: { role: 'user', text: 'from bob' } });
        const seen: string[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await alice.projects.threads.list({ limit: 10, ...(cursor ? { after: cursor } : {}) });
          seen.push(...page.threads.map((t) => t.id));
          if (page.threads.length < 10) break;
          cursor = page.threads.at(-1)!.id;
        }
        assert.equal(new Set(seen).size, seen.length, 'no thread twice across pages');
        assert.ok(seen.includes(thread_id), 'alice\'s API key sees bob\'s thread in the project list');
        const workspaces = new Set((await alice.projects.threads.list({ limit: 100 })).threads.map((t) => t.workspace_id));
        assert.ok(workspaces.has('ws-alice') && workspaces.has('ws-bob'), 'threads of several workspaces');
        const { messages } = await alice.projects.threads.messages.list(thread_id);
        assert.deepEqual(messages.map((x) => x.content), [{ role: 'user', text: 'from bob' }]);

        for (const mode of MODES.slice(1)) {
          for (const attempt of [() => cloudFor(mode).projects.threads.list(), () => cloudFor(mode).projects.threads.messages.list(thread_id)]) {
            const refused = await rejection(attempt());
            assert.equal(refused.status, 403, `${mode} is refused the project-wide lists`);
            assert.equal(refused.code, 'forbidden');
          }
        }
      });
    });
  });
}
