/**
 * Repository cases: appendMessage. These check that every run gets exactly its own values, whatever
 * ran before it, on every path: root, parent by id, parent by external id, refusals in between,
 * and appends running at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, NewMessage } from '../../../src/modules/threads/threads-types.js';
import { scope, type CaseContext } from './threads-cases.js';
import { append, threadIn } from './messages-repository-cases.js';

type Get = () => CaseContext;

export function appendCases(get: Get): void {
  describe('appendMessage, run after run', () => {
    it('many appends in a row, by every path, over two threads, each keep exactly their own values; refusals in between change nothing', async () => {
      const { repo, clock } = get();
      const threads = [await threadIn(repo), await threadIn(repo)];
      const written: Message[][] = [[], []];
      const bumpedAt = [1, 1];
      for (let i = 0; i < 40; i++) {
        clock.now += 7;
        const side = i % 2;
        const t = threads[side]!;
        const mine = written[side]!;
        const other = written[1 - side]!;
        const previous = mine.at(-1);
        const common = { ...t, format: `format-${i}`, content: { i, side }, externalId: i % 3 === 0 ? null : `ext-${i}` };
        let input: NewMessage;
        let parent: Message | undefined;
        switch (previous === undefined ? 0 : i % 5) {
          case 1:
            input = { ...common, parentId: previous!.id };
            parent = previous;
            break;
          case 2: {
            parent = mine.findLast((m) => m.externalId !== null);
            input = parent === undefined ? { ...common, parentId: null } : { ...common, parentId: null, parentExternalId: parent.externalId! };
            break;
          }
          case 3: {
            // Refused: the other thread's message, by id and by external id, then a missing one.
            const foreign = other.findLast((m) => m.externalId !== null);
            for (const refused of [
              ...(other.length > 0 ? [{ parentId: other.at(-1)!.id }] : []),
              ...(foreign !== undefined ? [{ parentId: null, parentExternalId: foreign.externalId! }] : []),
              { parentId: `msg_missing_${i}` },
              { parentId: null, parentExternalId: `ext-missing-${i}` },
            ]) {
              assert.deepEqual(await repo.appendMessage({ ...common, ...refused }), { ok: false, reason: 'parent_not_found' }, `${i} ${JSON.stringify(refused)}`);
            }
            input = { ...common, parentId: null };
            break;
          }
          default:
            input = { ...common, parentId: null };
        }
        const result = await repo.appendMessage(input);
        assert.ok(result.ok, `append ${i}`);
        assert.deepEqual(result.message, {
          id: result.message.id,
          projectId: t.projectId,
          threadId: t.threadId,
          parentId: parent?.id ?? null,
          height: parent === undefined ? 0 : parent.height + 1,
          format: `format-${i}`,
          content: { i, side },
          externalId: common.externalId,
          createdAt: clock.now,
          updatedAt: clock.now,
        }, `append ${i}`);
        mine.push(result.message);
        bumpedAt[side] = clock.now;
      }
      for (const [side, t] of threads.entries()) {
        for (const message of written[side]!) assert.deepEqual(await repo.getMessage(t.projectId, t.threadId, message.id), message);
        const listed = await repo.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 100 });
        assert.deepEqual(new Set(listed.map((m) => m.id)), new Set(written[side]!.map((m) => m.id)), 'nothing else landed in the thread');
        assert.equal((await repo.getThread(t.projectId, t.workspaceId, t.threadId))?.lastMessageAt, bumpedAt[side], 'bumped by its own appends only');
      }
    });

    it('refuses a missing thread, or one of another workspace or project, before looking at the parent, and writes nothing', async () => {
      const { repo, clock, extras } = get();
      const t = await threadIn(repo);
      const root = await append(repo, { ...t, parentId: null, externalId: 'root-ext' });
      const before = await repo.getThread(t.projectId, t.workspaceId, t.threadId);
      clock.now += 1000;
      const intruders = [
        { projectId: t.projectId, workspaceId: scope().workspaceId, threadId: t.threadId },
        { projectId: scope().projectId, workspaceId: t.workspaceId, threadId: t.threadId },
        { ...t, threadId: 'thread_missing' },
      ];
      for (const where of intruders) {
        for (const parent of [{ parentId: null }, { parentId: root.id }, { parentId: null, parentExternalId: 'root-ext' }, { parentId: 'msg_missing' }]) {
          const result = await repo.appendMessage({ ...where, ...parent, format: 'f', content: null, externalId: 'intruder' });
          assert.deepEqual(result, { ok: false, reason: 'thread_not_found' }, JSON.stringify({ where, parent }));
        }
      }
      assert.deepEqual(await repo.getThread(t.projectId, t.workspaceId, t.threadId), before, 'not bumped');
      assert.equal(await extras.countRows('messages', t.projectId), 1);
      assert.equal(await extras.countRows('messages', intruders[1]!.projectId), 0);
      // The next append, in the right workspace, gets none of the refused calls' values.
      const reply = await append(repo, { ...t, parentId: null, parentExternalId: 'root-ext' });
      assert.deepEqual([reply.parentId, reply.height, reply.externalId, reply.createdAt], [root.id, 1, null, clock.now]);
    });

    it('parentExternalId finds the newest message carrying it (then the highest id); parentId wins over it', async () => {
      const { repo, clock } = get();
      const t = await threadIn(repo);
      const oldest = await append(repo, { ...t, parentId: null, externalId: 'dup' });
      clock.now += 1;
      const tied = [await append(repo, { ...t, parentId: null, externalId: 'dup' }), await append(repo, { ...t, parentId: oldest.id, externalId: 'dup' })];
      const newest = tied.reduce((a, b) => (a.id > b.id ? a : b));
      const byExternal = await append(repo, { ...t, parentId: null, parentExternalId: 'dup' });
      assert.equal(byExternal.parentId, newest.id);
      assert.equal(byExternal.height, newest.height + 1);
      const explicit = await append(repo, { ...t, parentId: oldest.id, parentExternalId: 'dup' });
      assert.equal(explicit.parentId, oldest.id, 'an explicit parentId wins');
      const missingButExplicit = await repo.appendMessage({ ...t, parentId: 'msg_missing', parentExternalId: 'dup', format: 'f', content: null, externalId: null });
      assert.deepEqual(missingButExplicit, { ok: false, reason: 'parent_not_found' }, 'no fallback to parentExternalId');
    });

    it('keeps strings that look like SQL or placeholders as values, matched exactly', async () => {
      const { repo } = get();
      const t = await threadIn(repo);
      // No NUL: PostgreSQL refuses it in text ("invalid byte sequence"), with or without prepared queries.
      const hostile = ['?', '$1', '?1', ':id', "'; drop table messages; --", '%', '_', '"', '\\', '😀'];
      const byExternal = new Map<string, Message>();
      for (const value of hostile) {
        byExternal.set(value, await append(repo, { ...t, parentId: null, format: value, content: { value }, externalId: value }));
      }
      for (const value of hostile) {
        const reply = await append(repo, { ...t, parentId: null, parentExternalId: value, format: value });
        assert.equal(reply.parentId, byExternal.get(value)!.id, JSON.stringify(value));
        assert.deepEqual(await repo.getMessage(t.projectId, t.threadId, reply.id), reply);
      }
      for (const value of ['%%', 'ext', '$2', '']) {
        const result = await repo.appendMessage({ ...t, parentId: null, parentExternalId: value, format: 'f', content: null, externalId: null });
        assert.deepEqual(result, { ok: false, reason: 'parent_not_found' }, JSON.stringify(value));
      }
    });

    it('appends running at once to several threads, by id and by external id, each land where they were sent', async () => {
      const { repo } = get();
      const threads = await Promise.all([threadIn(repo), threadIn(repo), threadIn(repo)]);
      const roots = await Promise.all(threads.map((t, i) => append(repo, { ...t, parentId: null, externalId: `root-${i}` })));
      const inputs: NewMessage[] = Array.from({ length: 36 }, (_, i) => {
        const k = i % 3;
        const parent = i % 2 === 0 ? { parentId: roots[k]!.id } : { parentId: null, parentExternalId: `root-${k}` };
        return { ...threads[k]!, ...parent, format: `f${i}`, content: i, externalId: `m${i}` };
      });
      const results = await Promise.all(inputs.map((input) => repo.appendMessage(input)));
      for (const [i, result] of results.entries()) {
        const k = i % 3;
        assert.ok(result.ok, `append ${i}`);
        const { message } = result;
        assert.deepEqual(
          [message.projectId, message.threadId, message.parentId, message.height, message.format, message.content, message.externalId],
          [threads[k]!.projectId, threads[k]!.threadId, roots[k]!.id, 1, `f${i}`, i, `m${i}`],
          `append ${i}`,
        );
        assert.deepEqual(await repo.getMessage(threads[k]!.projectId, threads[k]!.threadId, message.id), message);
      }
    });
  });
}
