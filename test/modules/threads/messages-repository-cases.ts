/** Repository cases: messages (tree, pagination, edits, subtree deletes) and feedback. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, NewMessage } from '../../../src/modules/threads/threads-types.js';
import { ThreadgateError } from '../../../src/errors.js';
import { scope, type CaseContext, type Repos } from './threads-cases.js';

type Get = () => CaseContext;

/** A new thread in a fresh project and workspace. */
export async function threadIn(repo: Repos) {
  const where = scope();
  const thread = await repo.createThread({ ...where, title: '', lastMessageAt: 1, metadata: null, externalId: null });
  return { ...where, threadId: thread.id };
}

/** Appends a message (format, content and externalId defaulted), throwing if refused. */
export async function append(repo: Repos, input: Omit<NewMessage, 'format' | 'content' | 'externalId'> & Partial<NewMessage>): Promise<Message> {
  const result = await repo.appendMessage({ format: 'aui/v0', content: { text: 'hi' }, externalId: null, ...input });
  if (!result.ok) throw new Error(`append refused: ${result.reason}`);
  return result.message;
}

/** Newest first: createdAt desc, then id desc. */
const expectedOrder = (messages: Message[]) =>
  [...messages].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((m) => m.id);

async function readAllPages(repo: Repos, query: Parameters<Repos['listMessages']>[0]): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await repo.listMessages({ ...query, ...(after !== undefined ? { after } : {}) });
    if (page.length === 0) return seen;
    seen.push(...page.map((m) => m.id));
    after = page.at(-1)!.id;
  }
  throw new Error('pagination did not end');
}

export function messageCases(get: Get): void {
  describe('messages', () => {
    it('appendMessage computes heights from the parent, by id or by parentExternalId, and bumps the thread', async () => {
      const { repo, clock } = get();
      const t = await threadIn(repo);
      clock.now += 60_000;
      const root = await append(repo, { ...t, parentId: null, externalId: 'root-ext', content: { role: 'user' } });
      assert.deepEqual(root, {
        id: root.id, projectId: t.projectId, threadId: t.threadId, parentId: null, height: 0, format: 'aui/v0',
        content: { role: 'user' }, externalId: 'root-ext', createdAt: clock.now, updatedAt: clock.now,
      });
      const child = await append(repo, { ...t, parentId: null, parentExternalId: 'root-ext' });
      assert.equal(child.parentId, root.id);
      assert.equal(child.height, 1);
      const grandchild = await append(repo, { ...t, parentId: child.id });
      assert.equal(grandchild.height, 2);
      const secondRoot = await append(repo, { ...t, parentId: null });
      assert.equal(secondRoot.height, 0);
      assert.deepEqual(await repo.getMessage(t.projectId, t.threadId, grandchild.id), grandchild);
      const thread = await repo.getThread(t.projectId, t.workspaceId, t.threadId);
      assert.equal(thread?.lastMessageAt, clock.now);
      assert.equal(thread?.updatedAt, clock.now);
    });

    it('appendMessage refuses a parent outside the thread and leaves the thread untouched', async () => {
      const { repo, clock } = get();
      const t = await threadIn(repo);
      const other = await threadIn(repo);
      const sameWorkspace = await repo.createThread({ projectId: t.projectId, workspaceId: t.workspaceId, title: '', lastMessageAt: 1, metadata: null, externalId: null });
      const foreign = await append(repo, { ...other, parentId: null, externalId: 'foreign-ext' });
      const neighbour = await append(repo, { ...t, threadId: sameWorkspace.id, parentId: null, externalId: 'n-ext' });
      const before = await repo.getThread(t.projectId, t.workspaceId, t.threadId);
      clock.now += 1000;
      for (const parent of [{ parentId: foreign.id }, { parentId: neighbour.id }, { parentId: 'msg_missing' }, { parentId: null, parentExternalId: 'foreign-ext' }, { parentId: null, parentExternalId: 'n-ext' }]) {
        const result = await repo.appendMessage({ ...t, ...parent, format: 'f', content: null, externalId: null });
        assert.deepEqual(result, { ok: false, reason: 'parent_not_found' }, JSON.stringify(parent));
      }
      assert.deepEqual(await repo.getThread(t.projectId, t.workspaceId, t.threadId), before, 'the refused appends rolled back the bump');
      assert.deepEqual(await repo.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 10 }), []);
    });

    it('listMessages pages newest first with no gaps or repeats, ties in createdAt included, and filters by format', async () => {
      const { repo, clock } = get();
      const t = await threadIn(repo);
      const messages: Message[] = [];
      let parentId: string | null = null;
      for (let i = 0; i < 20; i++) {
        if (i % 3 === 0) clock.now += 1; // groups of three share a millisecond
        const message: Message = await append(repo, { ...t, parentId, format: i % 2 === 0 ? 'even' : 'odd' });
        messages.push(message);
        parentId = message.id;
      }
      const query = { projectId: t.projectId, threadId: t.threadId };
      for (const limit of [1, 2, 3, 6, 100]) {
        assert.deepEqual(await readAllPages(repo, { ...query, limit }), expectedOrder(messages), `limit ${limit}`);
      }
      assert.deepEqual(await readAllPages(repo, { ...query, limit: 4, format: 'odd' }), expectedOrder(messages.filter((m) => m.format === 'odd')));
      const first = await repo.listMessages({ ...query, limit: 3 });
      assert.deepEqual(await repo.listMessages({ ...query, limit: 3, after: 'msg_unknown' }), first, 'unknown cursor: from the start');
      const intruder = { projectId: scope().projectId, threadId: t.threadId };
      assert.deepEqual(await repo.listMessages({ ...intruder, limit: 10 }), [], 'another project sees nothing');
      assert.equal(await repo.getMessage(intruder.projectId, t.threadId, messages[0]!.id), undefined);
    });

    it('updateMessage replaces content, refuses a message with children, and finds nothing elsewhere', async () => {
      const { repo, clock } = get();
      const t = await threadIn(repo);
      const parent = await append(repo, { ...t, parentId: null });
      const leaf = await append(repo, { ...t, parentId: parent.id });
      clock.now += 1234;
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, leaf.id, { text: 'edited' }), 'updated');
      assert.deepEqual(await repo.getMessage(t.projectId, t.threadId, leaf.id), { ...leaf, content: { text: 'edited' }, updatedAt: clock.now });
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, parent.id, { text: 'nope' }), 'has_children');
      assert.deepEqual((await repo.getMessage(t.projectId, t.threadId, parent.id))?.content, { text: 'hi' });
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, 'msg_missing', 1), 'not_found');
      assert.equal(await repo.updateMessage(scope().projectId, t.threadId, leaf.id, 1), 'not_found');
      const other = await threadIn(repo);
      assert.equal(await repo.updateMessage(t.projectId, other.threadId, leaf.id, 1), 'not_found', 'wrong thread');
      await repo.deleteMessages(t.projectId, t.threadId, [leaf.id]);
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, parent.id, { text: 'now' }), 'updated', 'no children any more');
    });

    it('deleteMessages deletes the listed messages and all their descendants, with their feedback, and nothing else', async () => {
      const { repo, extras } = get();
      const t = await threadIn(repo);
      //   a ─ b ─ c        d (kept)
      //   └── e ─ f
      const a = await append(repo, { ...t, parentId: null });
      const b = await append(repo, { ...t, parentId: a.id });
      const c = await append(repo, { ...t, parentId: b.id });
      const e = await append(repo, { ...t, parentId: a.id });
      const f = await append(repo, { ...t, parentId: e.id });
      const d = await append(repo, { ...t, parentId: null });
      for (const [message, userId] of [[c, 'u1'], [f, 'u2'], [d, 'u1']] as const) {
        await repo.putFeedback({ projectId: t.projectId, threadId: t.threadId, messageId: message.id, userId, type: 'positive', comment: null });
      }
      const other = await threadIn(repo);
      const elsewhere = await append(repo, { ...other, parentId: null });

      assert.equal(await repo.deleteMessages(t.projectId, t.threadId, [b.id, e.id, elsewhere.id, 'msg_missing', b.id]), 4);
      const left = await repo.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 10 });
      assert.deepEqual(new Set(left.map((m) => m.id)), new Set([a.id, d.id]));
      assert.ok(await repo.getMessage(other.projectId, other.threadId, elsewhere.id), 'an id of another thread is not deleted');
      assert.equal(await extras.countRows('message_feedback', t.projectId), 1, "only d's feedback is left");
      assert.equal(await repo.deleteMessages(t.projectId, t.threadId, []), 0);
      assert.equal(await repo.deleteMessages(scope().projectId, t.threadId, [a.id]), 0, 'another project deletes nothing');
      assert.equal(await repo.deleteMessages(t.projectId, t.threadId, [a.id, d.id]), 2);
    });

    it('deleteMessages follows a chain deeper than SQLite\'s 1000-level cascade limit', async () => {
      const { repo } = get();
      const t = await threadIn(repo);
      const root = await append(repo, { ...t, parentId: null });
      let parentId = root.id;
      for (let i = 0; i < 1100; i++) parentId = (await append(repo, { ...t, parentId })).id;
      assert.equal((await repo.getMessage(t.projectId, t.threadId, parentId))?.height, 1100);
      assert.equal(await repo.deleteMessages(t.projectId, t.threadId, [root.id]), 1101);
    });

    it('deleteMessages takes more ids than one statement binds', async () => {
      const { repo } = get();
      const t = await threadIn(repo);
      const ids: string[] = [];
      for (let i = 0; i < 1201; i++) ids.push((await append(repo, { ...t, parentId: null })).id);
      const keep = await append(repo, { ...t, parentId: null });
      assert.equal(await repo.deleteMessages(t.projectId, t.threadId, ids), 1201);
      assert.deepEqual((await repo.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 10 })).map((m) => m.id), [keep.id]);
    });

    it('putFeedback keeps one feedback per user and message; a second one replaces the first', async () => {
      const { repo, extras } = get();
      const t = await threadIn(repo);
      const message = await append(repo, { ...t, parentId: null });
      const base = { projectId: t.projectId, threadId: t.threadId, messageId: message.id };
      const first = await repo.putFeedback({ ...base, userId: 'u1', type: 'positive', comment: 'good' });
      assert.deepEqual(first, { id: first.id, messageId: message.id, type: 'positive', comment: 'good' });
      const second = await repo.putFeedback({ ...base, userId: 'u1', type: 'negative', comment: null });
      assert.deepEqual(second, { id: first.id, messageId: message.id, type: 'negative', comment: null });
      const otherUser = await repo.putFeedback({ ...base, userId: 'u2', type: 'positive', comment: null });
      assert.notEqual(otherUser.id, first.id);
      assert.equal(await extras.countRows('message_feedback', t.projectId), 2);
      const refused = (error: unknown) => error instanceof ThreadgateError && error.code === 'not_found';
      await assert.rejects(repo.putFeedback({ ...base, messageId: 'msg_missing', userId: 'u1', type: 'positive', comment: null }), refused);
      await assert.rejects(repo.putFeedback({ ...base, projectId: scope().projectId, userId: 'u1', type: 'positive', comment: null }), refused);
    });
  });

  describe('message writers racing on one thread', () => {
    // On PostgreSQL these run on several pooled connections at once; the thread-row lock is what
    // keeps them consistent. On SQLite one connection runs them one after another.
    it('concurrent appends under one parent all succeed with the right height', async () => {
      const { repo } = get();
      const t = await threadIn(repo);
      const root = await append(repo, { ...t, parentId: null });
      const results = await Promise.all(Array.from({ length: 20 }, () => repo.appendMessage({ ...t, parentId: root.id, format: 'f', content: null, externalId: null })));
      assert.ok(results.every((result) => result.ok && result.message.height === 1));
      assert.equal((await repo.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 100 })).length, 21);
    });

    it('appends racing deleteMessages of their parent leave no orphan', async () => {
      const { repo } = get();
      for (let round = 0; round < 5; round++) {
        const t = await threadIn(repo);
        const root = await append(repo, { ...t, parentId: null });
        const doomed = await append(repo, { ...t, parentId: root.id });
        const appends = Array.from({ length: 12 }, () => repo.appendMessage({ ...t, parentId: doomed.id, format: 'f', content: null, externalId: null }));
        const deleted = repo.deleteMessages(t.projectId, t.threadId, [doomed.id]);
        const results = await Promise.all(appends);
        assert.ok(results.every((result) => result.ok || result.reason === 'parent_not_found'));
        assert.equal(await deleted, 1 + results.filter((result) => result.ok).length, 'every reply that got in went with its parent');
        const left = await repo.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 100 });
        assert.deepEqual(left.map((m) => m.id), [root.id], `round ${round}`);
      }
    });

    it('appends racing deleteThread leave no orphan messages', async () => {
      const { repo, extras } = get();
      for (let round = 0; round < 5; round++) {
        const t = await threadIn(repo);
        const appends = Array.from({ length: 12 }, () => repo.appendMessage({ ...t, parentId: null, format: 'f', content: null, externalId: null }));
        const deleted = repo.deleteThread(t.projectId, t.workspaceId, t.threadId);
        const results = await Promise.all(appends);
        assert.equal(await deleted, true);
        assert.ok(results.every((result) => result.ok || result.reason === 'thread_not_found'));
        assert.equal(await extras.countRows('messages', t.projectId), 0, `round ${round}`);
      }
    });
  });
}
