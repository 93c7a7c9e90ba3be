/** Repository cases: threads (isolation, keyset pagination, filters, updates, deletes, moves). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Thread } from '../../../src/modules/threads/threads-types.js';
import { ThreadgateError } from '../../../src/errors.js';
import { createId } from '../../../src/crypto/random-id.js';
import { scope, type CaseContext, type Repos } from './threads-cases.js';

type Get = () => CaseContext;

function newThread(where: { projectId: string; workspaceId: string }, extra: Partial<{ title: string; lastMessageAt: number; externalId: string | null; metadata: any }> = {}) {
  return {
    ...where,
    title: extra.title ?? 'a thread',
    lastMessageAt: extra.lastMessageAt ?? 1_000,
    metadata: extra.metadata ?? null,
    externalId: extra.externalId ?? null,
  };
}

/** The list order the repo promises: lastMessageAt desc, then id desc. */
function expectedOrder(threads: Thread[]): string[] {
  return [...threads]
    .sort((a, b) => b.lastMessageAt - a.lastMessageAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((thread) => thread.id);
}

/** Follows `after` cursors page by page until an empty page; returns every id seen, in order. */
async function readAllPages(repo: Repos, query: Parameters<Repos['listThreads']>[0]): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await repo.listThreads({ ...query, ...(after !== undefined ? { after } : {}) });
    assert.ok(page.length <= query.limit, 'a page is never longer than limit');
    if (page.length === 0) return seen;
    seen.push(...page.map((thread) => thread.id));
    after = page.at(-1)!.id;
  }
  throw new Error('pagination did not end');
}

export function threadCases(get: Get): void {
  describe('threads', () => {
    it('createThread stores every field and getThread reads it back', async () => {
      const { repo, clock } = get();
      const where = scope();
      clock.now += 1000;
      const created = await repo.createThread(newThread(where, { title: 'hello', lastMessageAt: 42, metadata: { a: [1, 'b', null], n: 1.5 }, externalId: 'ext-1' }));
      assert.match(created.id, /^thread_[0-9a-z]{26}$/);
      assert.deepEqual(await repo.getThread(where.projectId, where.workspaceId, created.id), {
        id: created.id,
        ...where,
        title: 'hello',
        lastMessageAt: 42,
        metadata: { a: [1, 'b', null], n: 1.5 },
        externalId: 'ext-1',
        isArchived: false,
        createdAt: clock.now,
        updatedAt: clock.now,
      });
      assert.equal(await repo.getThread(where.projectId, where.workspaceId, 'thread_missing'), undefined);
    });

    it('a thread of workspace A is invisible to every method called with workspace B or another project', async () => {
      const { repo } = get();
      const a = scope();
      const b = { projectId: a.projectId, workspaceId: scope().workspaceId };
      const otherProject = { projectId: scope().projectId, workspaceId: a.workspaceId };
      const thread = await repo.createThread(newThread(a, { externalId: 'shared-ext', lastMessageAt: 5 }));
      const own = await repo.createThread(newThread(b, { lastMessageAt: 1 }));
      for (const intruder of [b, otherProject]) {
        assert.equal(await repo.getThread(intruder.projectId, intruder.workspaceId, thread.id), undefined);
        assert.equal(await repo.findThreadByExternalId(intruder.projectId, intruder.workspaceId, 'shared-ext'), undefined);
        const listed = await repo.listThreads({ ...intruder, limit: 50 });
        assert.ok(!listed.some((t) => t.id === thread.id));
        // A's id as a cursor is unknown in B: the list starts from the beginning.
        assert.deepEqual(await repo.listThreads({ ...intruder, limit: 50, after: thread.id }), listed);
        assert.equal(await repo.updateThread(intruder.projectId, intruder.workspaceId, thread.id, { title: 'stolen', isArchived: true }), undefined);
        assert.equal(await repo.deleteThread(intruder.projectId, intruder.workspaceId, thread.id), false);
        const appended = await repo.appendMessage({ ...intruder, threadId: thread.id, parentId: null, format: 'f', content: 1, externalId: null });
        assert.deepEqual(appended, { ok: false, reason: 'thread_not_found' });
      }
      assert.deepEqual((await repo.listThreads({ ...b, limit: 50 })).map((t) => t.id), [own.id]);
      const after = await repo.getThread(a.projectId, a.workspaceId, thread.id);
      assert.deepEqual(after, thread, 'nothing the intruders did changed the thread');
      assert.equal(await repo.moveThreads(otherProject.projectId, a.workspaceId, 'elsewhere'), 0, 'moving in another project moves nothing');
      assert.ok(await repo.getThread(a.projectId, a.workspaceId, thread.id));
    });

    it('listThreads pages chain with no gaps or repeats, ties in lastMessageAt included', async () => {
      const { repo } = get();
      const where = scope();
      const threads: Thread[] = [];
      // 23 threads over 6 distinct times: most pages end in the middle of a tie.
      for (let i = 0; i < 23; i++) threads.push(await repo.createThread(newThread(where, { lastMessageAt: 10_000 + Math.floor(i / 4) })));
      const expected = expectedOrder(threads);
      for (const limit of [1, 3, 4, 7, 50]) {
        assert.deepEqual(await readAllPages(repo, { ...where, limit }), expected, `limit ${limit}`);
      }
      const first = await repo.listThreads({ ...where, limit: 5 });
      assert.deepEqual(first.map((t) => t.id), expected.slice(0, 5));
      assert.deepEqual(await repo.listThreads({ ...where, limit: 5, after: 'thread_unknown' }), first, 'unknown cursor: from the start');
      assert.deepEqual(await repo.listThreads({ ...where, limit: 5, after: expected.at(-1)! }), [], 'after the last: empty');
    });

    it('listThreads filters by is_archived and external_id, and pages within the filter', async () => {
      const { repo } = get();
      const where = scope();
      const all: Thread[] = [];
      for (let i = 0; i < 12; i++) all.push(await repo.createThread(newThread(where, { lastMessageAt: 500 + (i % 3), externalId: `e${i}` })));
      const archived = all.filter((_, i) => i % 3 === 0);
      for (const thread of archived) assert.ok(await repo.updateThread(where.projectId, where.workspaceId, thread.id, { isArchived: true }));
      const active = all.filter((t) => !archived.includes(t));
      assert.deepEqual(await readAllPages(repo, { ...where, limit: 2, isArchived: true }), expectedOrder(archived));
      assert.deepEqual(await readAllPages(repo, { ...where, limit: 3, isArchived: false }), expectedOrder(active));
      assert.deepEqual(await readAllPages(repo, { ...where, limit: 5 }), expectedOrder(all));
      const byExternal = await repo.listThreads({ ...where, limit: 10, externalId: 'e4' });
      assert.deepEqual(byExternal.map((t) => t.id), [all[4]!.id]);
      assert.deepEqual(await repo.listThreads({ ...where, limit: 10, externalId: 'e3', isArchived: false }), [], 'e3 is archived');
      assert.deepEqual(await repo.listThreads({ ...where, limit: 10, externalId: 'nope' }), []);
    });

    it('external_id is unique per workspace (Conflict), free across workspaces, and optional', async () => {
      const { repo } = get();
      const where = scope();
      const first = await repo.createThread(newThread(where, { externalId: 'dup' }));
      await assert.rejects(
        repo.createThread(newThread(where, { externalId: 'dup' })),
        (error: unknown) => error instanceof ThreadgateError && error.code === 'conflict',
      );
      const elsewhere = await repo.createThread(newThread({ ...where, workspaceId: scope().workspaceId }, { externalId: 'dup' }));
      assert.notEqual(elsewhere.id, first.id);
      await repo.createThread(newThread(where));
      await repo.createThread(newThread(where));
      assert.equal((await repo.listThreads({ ...where, limit: 10 })).length, 3, 'threads without external_id are not limited');
      assert.equal((await repo.findThreadByExternalId(where.projectId, where.workspaceId, 'dup'))?.id, first.id, 'the upsert lookup finds the first');
    });

    it('updateThread changes only what the patch names, and bumps updatedAt', async () => {
      const { repo, clock } = get();
      const where = scope();
      const thread = await repo.createThread(newThread(where, { title: 'before', metadata: { keep: true }, lastMessageAt: 7 }));
      clock.now += 5000;
      const titled = await repo.updateThread(where.projectId, where.workspaceId, thread.id, { title: 'after' });
      assert.deepEqual(titled, { ...thread, title: 'after', updatedAt: clock.now });
      const patched = await repo.updateThread(where.projectId, where.workspaceId, thread.id, { metadata: [1, { x: 'y' }], isArchived: true, lastMessageAt: 99 });
      assert.deepEqual(patched, { ...thread, title: 'after', metadata: [1, { x: 'y' }], isArchived: true, lastMessageAt: 99, updatedAt: clock.now });
      assert.deepEqual(await repo.getThread(where.projectId, where.workspaceId, thread.id), patched);
      assert.equal((await repo.updateThread(where.projectId, where.workspaceId, thread.id, { isArchived: false }))?.isArchived, false);
      assert.equal(await repo.updateThread(where.projectId, where.workspaceId, 'thread_missing', { title: 'x' }), undefined);
    });

    it('deleteThread removes the thread with its messages and their feedback, and the service its telemetry too', async () => {
      const { repo, service, runs, extras } = get();
      const where = scope();
      const thread = await repo.createThread(newThread(where));
      const keep = await repo.createThread(newThread(where));
      const root = await repo.appendMessage({ ...where, threadId: thread.id, parentId: null, format: 'f', content: 'r', externalId: null });
      assert.ok(root.ok);
      const reply = await repo.appendMessage({ ...where, threadId: thread.id, parentId: root.message.id, format: 'f', content: 'c', externalId: null });
      assert.ok(reply.ok);
      const kept = await repo.appendMessage({ ...where, threadId: keep.id, parentId: null, format: 'f', content: 'k', externalId: null });
      assert.ok(kept.ok);
      await repo.putFeedback({ projectId: where.projectId, threadId: thread.id, messageId: reply.message.id, userId: 'u', type: 'positive', comment: null });
      await repo.putFeedback({ projectId: where.projectId, threadId: keep.id, messageId: kept.message.id, userId: 'u', type: 'negative', comment: 'meh' });
      assert.equal(await extras.countRows('message_feedback', where.projectId), 2);
      const telemetry = (threadId: string) => ({ projectId: where.projectId, workspaceId: where.workspaceId, userId: 'u', threadId });
      for (const id of [thread.id, keep.id]) {
        await runs.createRun({ ...telemetry(id), status: 'completed', report: {} });
        await runs.createEvents(where.projectId, where.workspaceId, 'u', [{ kind: 'copy', threadId: id, messageId: null, runId: null, value: null, props: null }]);
        await runs.createScore({ ...telemetry(id), name: 's', dataType: 'numeric', value: 1, stringValue: null, comment: null, messageId: null, runId: null });
      }

      // The service deletes in one transaction: the thread (repository) and its telemetry (runs' follower).
      await service.deleteThread(where, thread.id);
      assert.equal(await repo.getThread(where.projectId, where.workspaceId, thread.id), undefined);
      assert.equal(await repo.getMessage(where.projectId, thread.id, root.message.id), undefined);
      assert.deepEqual(await repo.listMessages({ projectId: where.projectId, threadId: thread.id, limit: 10 }), []);
      assert.equal(await extras.countRows('messages', where.projectId), 1, 'only the other thread\'s message is left');
      assert.equal(await extras.countRows('message_feedback', where.projectId), 1, 'only the other thread\'s feedback is left');
      assert.deepEqual(await runs.countTelemetry(where.projectId, where.workspaceId, thread.id), { runs: 0, events: 0, scores: 0 }, 'its telemetry went with it');
      assert.deepEqual(await runs.countTelemetry(where.projectId, where.workspaceId), { runs: 1, events: 1, scores: 1 }, 'the other thread\'s telemetry stays');
      assert.equal(await repo.deleteThread(where.projectId, where.workspaceId, thread.id), false, 'a second delete finds nothing');
      await assert.rejects(service.deleteThread(where, thread.id), (error: ThreadgateError) => error.code === 'not_found');
      assert.equal(await repo.deleteThread(where.projectId, where.workspaceId, keep.id), true, 'the repository deletes on its own too');
      assert.equal((await runs.countTelemetry(where.projectId, where.workspaceId, keep.id)).runs, 1, 'without the service, telemetry is not its business');
    });

    it('a claim moves every thread of one workspace, the moved one giving up a clashing external_id, with its telemetry, and revokes the family', async () => {
      const { repo, service, sessions, runs } = get();
      const from = scope();
      const to = { projectId: from.projectId, workspaceId: scope().workspaceId };
      const bystander = { projectId: from.projectId, workspaceId: scope().workspaceId };
      const plain = await repo.createThread(newThread(from));
      const unique = await repo.createThread(newThread(from, { externalId: 'only-here' }));
      const clashing = await repo.createThread(newThread(from, { externalId: 'both' }));
      const resident = await repo.createThread(newThread(to, { externalId: 'both' }));
      const untouched = await repo.createThread(newThread(bystander));
      const message = await repo.appendMessage({ ...from, threadId: plain.id, parentId: null, format: 'f', content: 1, externalId: null });
      assert.ok(message.ok);
      await runs.createRun({ ...from, userId: 'anon', threadId: plain.id, status: 'completed', report: {} });
      const family = { id: createId('rtf'), projectId: from.projectId, workspaceId: from.workspaceId };
      sessions.families.set(family.id, family);
      const announced = sessions.announced;

      assert.equal(await service.claim(to, family.id), 3);
      assert.equal(sessions.revoked.at(-1), family.id, 'the family is revoked');
      assert.equal(sessions.announced, announced + 1, 'and the revocation announced, once committed');
      assert.deepEqual(await repo.listThreads({ ...from, limit: 10 }), []);
      const moved = await repo.listThreads({ ...to, limit: 10 });
      assert.deepEqual(new Set(moved.map((t) => t.id)), new Set([plain.id, unique.id, clashing.id, resident.id]));
      assert.equal((await repo.findThreadByExternalId(to.projectId, to.workspaceId, 'both'))?.id, resident.id);
      assert.equal((await repo.getThread(to.projectId, to.workspaceId, clashing.id))?.externalId, null);
      assert.equal((await repo.getThread(to.projectId, to.workspaceId, unique.id))?.externalId, 'only-here');
      assert.ok(await repo.getMessage(from.projectId, plain.id, message.message.id), 'messages follow their thread');
      assert.equal((await runs.countTelemetry(to.projectId, to.workspaceId)).runs, 1, 'telemetry follows its threads');
      assert.equal((await runs.countTelemetry(from.projectId, from.workspaceId)).runs, 0);
      assert.ok(await repo.getThread(bystander.projectId, bystander.workspaceId, untouched.id));
      assert.equal(await repo.moveThreads(from.projectId, to.workspaceId, to.workspaceId), 0);
      assert.equal(await service.claim(to, family.id), 0, 'claiming into the family\'s own workspace moves nothing');
    });

    it('a claim whose revocation fails moves nothing: threads, telemetry and revocation are one transaction', async () => {
      const { repo, service, sessions, runs } = get();
      const from = scope();
      const to = { projectId: from.projectId, workspaceId: scope().workspaceId };
      const thread = await repo.createThread(newThread(from));
      await runs.createRun({ ...from, userId: 'anon', threadId: thread.id, status: 'completed', report: {} });
      const family = { id: createId('rtf'), projectId: from.projectId, workspaceId: from.workspaceId };
      sessions.families.set(family.id, family);
      const announced = sessions.announced;
      sessions.failRevoke = new Error('revocation refused');
      try {
        await assert.rejects(service.claim(to, family.id), /revocation refused/);
      } finally {
        delete sessions.failRevoke;
      }
      assert.equal(sessions.revoked.at(-1), family.id, 'the revocation ran inside the transaction');
      assert.equal(sessions.announced, announced, 'nothing is announced for a rolled-back revocation');
      assert.equal((await repo.getThread(from.projectId, from.workspaceId, thread.id))?.id, thread.id, 'the thread stayed');
      assert.equal((await runs.countTelemetry(from.projectId, from.workspaceId)).runs, 1, 'its telemetry stayed');
      await assert.rejects(service.claim({ projectId: scope().projectId, workspaceId: to.workspaceId }, family.id), (error: ThreadgateError) => error.code === 'forbidden');
    });
  });
}
