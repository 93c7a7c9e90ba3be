/** Store cases: messages (tree, pagination, edits, subtree deletes) and feedback. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, NewMessage, Store } from '../../src/store/store.js';
import { ThreadgateError } from '../../src/errors.js';
import { scope, type CaseContext } from './store-cases.js';

type Get = () => CaseContext;

/** A new thread in a fresh project and workspace. */
export async function threadIn(store: Store) {
  const where = scope();
  const thread = await store.createThread({ ...where, title: '', lastMessageAt: 1, metadata: null, externalId: null });
  return { ...where, threadId: thread.id };
}

/** Appends a message (format, content and externalId defaulted), throwing if refused. */
export async function append(store: Store, input: Omit<NewMessage, 'format' | 'content' | 'externalId'> & Partial<NewMessage>): Promise<Message> {
  const result = await store.appendMessage({ format: 'aui/v0', content: { text: 'hi' }, externalId: null, ...input });
  if (!result.ok) throw new Error(`append refused: ${result.reason}`);
  return result.message;
}

/** Newest first: createdAt desc, then id desc. */
const expectedOrder = (messages: Message[]) =>
  [...messages].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((m) => m.id);

async function readAllPages(store: Store, query: Parameters<Store['listMessages']>[0]): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await store.listMessages({ ...query, ...(after !== undefined ? { after } : {}) });
    if (page.length === 0) return seen;
    seen.push(...page.map((m) => m.id));
    after = page.at(-1)!.id;
  }
  throw new Error('pagination did not end');
}

export function messageCases(get: Get): void {
  describe('messages', () => {
    it('appendMessage computes heights from the parent, by id or by parentExternalId, and bumps the thread', async () => {
      const { store, clock } = get();
      const t = await threadIn(store);
      clock.now += 60_000;
      const root = await append(store, { ...t, parentId: null, externalId: 'root-ext', content: { role: 'user' } });
      assert.deepEqual(root, {
        id: root.id, projectId: t.projectId, threadId: t.threadId, parentId: null, height: 0, format: 'aui/v0',
        content: { role: 'user' }, externalId: 'root-ext', createdAt: clock.now, updatedAt: clock.now,
      });
      const child = await append(store, { ...t, parentId: null, parentExternalId: 'root-ext' });
      assert.equal(child.parentId, root.id);
      assert.equal(child.height, 1);
      const grandchild = await append(store, { ...t, parentId: child.id });
      assert.equal(grandchild.height, 2);
      const secondRoot = await append(store, { ...t, parentId: null });
      assert.equal(secondRoot.height, 0);
      assert.deepEqual(await store.getMessage(t.projectId, t.threadId, grandchild.id), grandchild);
      const thread = await store.getThread(t.projectId, t.workspaceId, t.threadId);
      assert.equal(thread?.lastMessageAt, clock.now);
      assert.equal(thread?.updatedAt, clock.now);
    });

    it('appendMessage refuses a parent outside the thread and leaves the thread untouched', async () => {
      const { store, clock } = get();
      const t = await threadIn(store);
      const other = await threadIn(store);
      const sameWorkspace = await store.createThread({ projectId: t.projectId, workspaceId: t.workspaceId, title: '', lastMessageAt: 1, metadata: null, externalId: null });
      const foreign = await append(store, { ...other, parentId: null, externalId: 'foreign-ext' });
      const neighbour = await append(store, { ...t, threadId: sameWorkspace.id, parentId: null, externalId: 'n-ext' });
      const before = await store.getThread(t.projectId, t.workspaceId, t.threadId);
      clock.now += 1000;
      for (const parent of [{ parentId: foreign.id }, { parentId: neighbour.id }, { parentId: 'msg_missing' }, { parentId: null, parentExternalId: 'foreign-ext' }, { parentId: null, parentExternalId: 'n-ext' }]) {
        const result = await store.appendMessage({ ...t, ...parent, format: 'f', content: null, externalId: null });
        assert.deepEqual(result, { ok: false, reason: 'parent_not_found' }, JSON.stringify(parent));
      }
      assert.deepEqual(await store.getThread(t.projectId, t.workspaceId, t.threadId), before, 'the refused appends rolled back the bump');
      assert.deepEqual(await store.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 10 }), []);
    });

    it('listMessages pages newest first with no gaps or repeats, ties in createdAt included, and filters by format', async () => {
      const { store, clock } = get();
      const t = await threadIn(store);
      const messages: Message[] = [];
      let parentId: string | null = null;
      for (let i = 0; i < 20; i++) {
        if (i % 3 === 0) clock.now += 1; // groups of three share a millisecond
        const message: Message = await append(store, { ...t, parentId, format: i % 2 === 0 ? 'even' : 'odd' });
        messages.push(message);
        parentId = message.id;
      }
      const query = { projectId: t.projectId, threadId: t.threadId };
      for (const limit of [1, 2, 3, 6, 100]) {
        assert.deepEqual(await readAllPages(store, { ...query, limit }), expectedOrder(messages), `limit ${limit}`);
      }
      assert.deepEqual(await readAllPages(store, { ...query, limit: 4, format: 'odd' }), expectedOrder(messages.filter((m) => m.format === 'odd')));
      const first = await store.listMessages({ ...query, limit: 3 });
      assert.deepEqual(await store.listMessages({ ...query, limit: 3, after: 'msg_unknown' }), first, 'unknown cursor: from the start');
      const intruder = { projectId: scope().projectId, threadId: t.threadId };
      assert.deepEqual(await store.listMessages({ ...intruder, limit: 10 }), [], 'another project sees nothing');
      assert.equal(await store.getMessage(intruder.projectId, t.threadId, messages[0]!.id), undefined);
    });

    it('updateMessage replaces content, refuses a message with children, and finds nothing elsewhere', async () => {
      const { store, clock } = get();
      const t = await threadIn(store);
      const parent = await append(store, { ...t, parentId: null });
      const leaf = await append(store, { ...t, parentId: parent.id });
      clock.now += 1234;
      assert.equal(await store.updateMessage(t.projectId, t.threadId, leaf.id, { text: 'edited' }), 'updated');
      assert.deepEqual(await store.getMessage(t.projectId, t.threadId, leaf.id), { ...leaf, content: { text: 'edited' }, updatedAt: clock.now });
      assert.equal(await store.updateMessage(t.projectId, t.threadId, parent.id, { text: 'nope' }), 'has_children');
      assert.deepEqual((await store.getMessage(t.projectId, t.threadId, parent.id))?.content, { text: 'hi' });
      assert.equal(await store.updateMessage(t.projectId, t.threadId, 'msg_missing', 1), 'not_found');
      assert.equal(await store.updateMessage(scope().projectId, t.threadId, leaf.id, 1), 'not_found');
      const other = await threadIn(store);
      assert.equal(await store.updateMessage(t.projectId, other.threadId, leaf.id, 1), 'not_found', 'wrong thread');
      await store.deleteMessages(t.projectId, t.threadId, [leaf.id]);
      assert.equal(await store.updateMessage(t.projectId, t.threadId, parent.id, { text: 'now' }), 'updated', 'no children any more');
    });

    it('deleteMessages deletes the listed messages and all their descendants, with their feedback, and nothing else', async () => {
      const { store, extras } = get();
      const t = await threadIn(store);
      //   a ─ b ─ c        d (kept)
      //   └── e ─ f
      const a = await append(store, { ...t, parentId: null });
      const b = await append(store, { ...t, parentId: a.id });
      const c = await append(store, { ...t, parentId: b.id });
      const e = await append(store, { ...t, parentId: a.id });
      const f = await append(store, { ...t, parentId: e.id });
      const d = await append(store, { ...t, parentId: null });
      for (const [message, userId] of [[c, 'u1'], [f, 'u2'], [d, 'u1']] as const) {
        await store.putFeedback({ projectId: t.projectId, threadId: t.threadId, messageId: message.id, userId, type: 'positive', comment: null });
      }
      const other = await threadIn(store);
      const elsewhere = await append(store, { ...other, parentId: null });

      assert.equal(await store.deleteMessages(t.projectId, t.threadId, [b.id, e.id, elsewhere.id, 'msg_missing', b.id]), 4);
      const left = await store.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 10 });
      assert.deepEqual(new Set(left.map((m) => m.id)), new Set([a.id, d.id]));
      assert.ok(await store.getMessage(other.projectId, other.threadId, elsewhere.id), 'an id of another thread is not deleted');
      assert.equal(await extras.countRows('message_feedback', t.projectId), 1, "only d's feedback is left");
      assert.equal(await store.deleteMessages(t.projectId, t.threadId, []), 0);
      assert.equal(await store.deleteMessages(scope().projectId, t.threadId, [a.id]), 0, 'another project deletes nothing');
      assert.equal(await store.deleteMessages(t.projectId, t.threadId, [a.id, d.id]), 2);
    });

    it('deleteMessages follows a chain deeper than SQLite\'s 1000-level cascade limit', async () => {
      const { store } = get();
      const t = await threadIn(store);
      const root = await append(store, { ...t, parentId: null });
      let parentId = root.id;
      for (let i = 0; i < 1100; i++) parentId = (await append(store, { ...t, parentId })).id;
      assert.equal((await store.getMessage(t.projectId, t.threadId, parentId))?.height, 1100);
      assert.equal(await store.deleteMessages(t.projectId, t.threadId, [root.id]), 1101);
    });

    it('deleteMessages takes more ids than one statement binds', async () => {
      const { store } = get();
      const t = await threadIn(store);
      const ids: string[] = [];
      for (let i = 0; i < 1201; i++) ids.push((await append(store, { ...t, parentId: null })).id);
      const keep = await append(store, { ...t, parentId: null });
      assert.equal(await store.deleteMessages(t.projectId, t.threadId, ids), 1201);
      assert.deepEqual((await store.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 10 })).map((m) => m.id), [keep.id]);
    });

    it('putFeedback keeps one feedback per user and message; a second one replaces the first', async () => {
      const { store, extras } = get();
      const t = await threadIn(store);
      const message = await append(store, { ...t, parentId: null });
      const base = { projectId: t.projectId, threadId: t.threadId, messageId: message.id };
      const first = await store.putFeedback({ ...base, userId: 'u1', type: 'positive', comment: 'good' });
      assert.deepEqual(first, { id: first.id, messageId: message.id, type: 'positive', comment: 'good' });
      const second = await store.putFeedback({ ...base, userId: 'u1', type: 'negative', comment: null });
      assert.deepEqual(second, { id: first.id, messageId: message.id, type: 'negative', comment: null });
      const otherUser = await store.putFeedback({ ...base, userId: 'u2', type: 'positive', comment: null });
      assert.notEqual(otherUser.id, first.id);
      assert.equal(await extras.countRows('message_feedback', t.projectId), 2);
      const refused = (error: unknown) => error instanceof ThreadgateError && error.code === 'not_found';
      await assert.rejects(store.putFeedback({ ...base, messageId: 'msg_missing', userId: 'u1', type: 'positive', comment: null }), refused);
      await assert.rejects(store.putFeedback({ ...base, projectId: scope().projectId, userId: 'u1', type: 'positive', comment: null }), refused);
    });
  });

  describe('message writers racing on one thread', () => {
    // On PostgreSQL these run on several pooled connections at once; the thread-row lock is what
    // keeps them consistent. On SQLite one connection runs them one after another.
    it('concurrent appends under one parent all succeed with the right height', async () => {
      const { store } = get();
      const t = await threadIn(store);
      const root = await append(store, { ...t, parentId: null });
      const results = await Promise.all(Array.from({ length: 20 }, () => store.appendMessage({ ...t, parentId: root.id, format: 'f', content: null, externalId: null })));
      assert.ok(results.every((result) => result.ok && result.message.height === 1));
      assert.equal((await store.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 100 })).length, 21);
    });

    it('appends racing deleteMessages of their parent leave no orphan', async () => {
      const { store } = get();
      for (let round = 0; round < 5; round++) {
        const t = await threadIn(store);
        const root = await append(store, { ...t, parentId: null });
        const doomed = await append(store, { ...t, parentId: root.id });
        const appends = Array.from({ length: 12 }, () => store.appendMessage({ ...t, parentId: doomed.id, format: 'f', content: null, externalId: null }));
        const deleted = store.deleteMessages(t.projectId, t.threadId, [doomed.id]);
        const results = await Promise.all(appends);
        assert.ok(results.every((result) => result.ok || result.reason === 'parent_not_found'));
        assert.equal(await deleted, 1 + results.filter((result) => result.ok).length, 'every reply that got in went with its parent');
        const left = await store.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 100 });
        assert.deepEqual(left.map((m) => m.id), [root.id], `round ${round}`);
      }
    });

    it('appends racing deleteThread leave no orphan messages', async () => {
      const { store, extras } = get();
      for (let round = 0; round < 5; round++) {
        const t = await threadIn(store);
        const appends = Array.from({ length: 12 }, () => store.appendMessage({ ...t, parentId: null, format: 'f', content: null, externalId: null }));
        const deleted = store.deleteThread(t.projectId, t.workspaceId, t.threadId);
        const results = await Promise.all(appends);
        assert.equal(await deleted, true);
        assert.ok(results.every((result) => result.ok || result.reason === 'thread_not_found'));
        assert.equal(await extras.countRows('messages', t.projectId), 0, `round ${round}`);
      }
    });
  });

  describe('telemetry', () => {
    it('createRun, createEvents (in batches) and createScore store their rows', async () => {
      const { store, clock, extras } = get();
      const where = scope();
      const run = await store.createRun({ ...where, userId: 'u', threadId: null, status: 'completed', report: { steps: [1, 2] } });
      assert.match(run.id, /^run_/);
      assert.equal(await extras.countRows('runs', where.projectId), 1);
      assert.equal(await store.createEvents(where.projectId, where.workspaceId, 'u', []), 0);
      const events = Array.from({ length: 1203 }, (_, i) => ({ kind: 'k', threadId: null, messageId: null, runId: run.id, value: i / 2, props: { i } }));
      assert.equal(await store.createEvents(where.projectId, where.workspaceId, 'u', events), 1203);
      assert.equal(await extras.countRows('events', where.projectId), 1203);
      const input = { ...where, userId: 'u', name: 'helpful', dataType: 'numeric' as const, value: 0.25, stringValue: null, comment: 'ok', threadId: 't', messageId: null, runId: run.id };
      const score = await store.createScore(input);
      assert.deepEqual(score, { ...input, id: score.id, createdAt: clock.now });
      assert.equal(await extras.countRows('scores', where.projectId), 1);
    });
  });
}
