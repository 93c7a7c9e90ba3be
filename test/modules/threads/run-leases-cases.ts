/**
 * Repository cases: run leases on messages (open, beat, write as holder, end) and the project-wide
 * thread reads. Run on SQLite and PostgreSQL; `peer` is a second store's repositories on the same database, as a
 * second process would have, to show the lease's state lives in the database.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Thread } from '../../../src/modules/threads/threads-types.js';
import { scope, type CaseContext, type Repos } from './threads-cases.js';
import { append, threadIn } from './messages-repository-cases.js';

type Get = () => CaseContext;

/** A running message of a new thread; its lease. */
async function openRun(repo: Repos) {
  const t = await threadIn(repo);
  const message = await append(repo, { ...t, parentId: null, openRun: true, content: { status: 'running' } });
  assert.ok(message.run !== undefined, 'openRun opened no lease');
  return { t, message, leaseId: message.run.leaseId };
}

const runOf = async (repo: Repos, m: Message) => (await repo.getMessage(m.projectId, m.threadId, m.id))?.run;

export function runLeaseCases(get: Get): void {
  describe('run leases', () => {
    it('appendMessage with openRun opens a running lease that beat at creation; without it there is none', async () => {
      const { repo, clock } = get();
      clock.now += 1000;
      const { t, message, leaseId } = await openRun(repo);
      assert.match(leaseId, /^lease_[A-Za-z0-9_-]{20,}$/);
      assert.deepEqual(message.run, { leaseId, status: 'running', lastHeartbeatAt: clock.now, endReason: null });
      assert.deepEqual(await repo.getMessage(t.projectId, t.threadId, message.id), message);
      const plain = await append(repo, { ...t, parentId: message.id });
      assert.equal('run' in plain, false);
      assert.equal('run' in (await repo.getMessage(t.projectId, t.threadId, plain.id))!, false);
      const [listedPlain, listedRun] = await repo.listMessages({ projectId: t.projectId, threadId: t.threadId, limit: 10 });
      assert.equal(listedPlain!.run, undefined);
      assert.deepEqual(listedRun!.run, message.run);
      assert.deepEqual(await repo.findMessageByLease(t.projectId, t.threadId, leaseId), message);
      const second = await openRun(repo);
      assert.notEqual(second.leaseId, leaseId);
    });

    it('heartbeatRun renews a running lease, also from another process, and never revives an ended one', async () => {
      const { repo, peer, clock } = get();
      const { t, message, leaseId } = await openRun(repo);
      clock.now += 5000;
      assert.equal(await peer.heartbeatRun(t.projectId, t.threadId, leaseId), 'renewed');
      assert.equal((await runOf(repo, message))?.lastHeartbeatAt, clock.now);
      assert.equal((await repo.getMessage(t.projectId, t.threadId, message.id))?.updatedAt, message.updatedAt, 'a beat is not an edit');
      assert.deepEqual(await peer.endRun(t.projectId, t.threadId, leaseId, 'cancelled'), { ok: true, reason: 'cancelled' });
      const beatAt = clock.now;
      clock.now += 5000;
      assert.equal(await repo.heartbeatRun(t.projectId, t.threadId, leaseId), 'ended');
      assert.deepEqual(await runOf(repo, message), { leaseId, status: 'ended', lastHeartbeatAt: beatAt, endReason: 'cancelled' });
    });

    it('the server never expires a lease: a beat after any silence renews it', async () => {
      const { repo, clock } = get();
      const { t, message, leaseId } = await openRun(repo);
      clock.now += 30 * 24 * 3600 * 1000;
      assert.equal((await runOf(repo, message))?.status, 'running');
      assert.equal(await repo.heartbeatRun(t.projectId, t.threadId, leaseId), 'renewed');
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, message.id, { text: 'late' }, leaseId), 'updated');
    });

    it('endRun ends once: a second end succeeds and keeps the first reason and time', async () => {
      const { repo, peer, clock } = get();
      const { t, message, leaseId } = await openRun(repo);
      assert.deepEqual(await repo.endRun(t.projectId, t.threadId, leaseId, 'error'), { ok: true, reason: 'error' });
      const first = await runOf(repo, message);
      clock.now += 1000;
      assert.deepEqual(await peer.endRun(t.projectId, t.threadId, leaseId, 'done'), { ok: true, reason: 'error' });
      assert.deepEqual(await runOf(repo, message), first);
      assert.equal(first?.endReason, 'error');
    });

    it('racing ends from two processes: both succeed, and they agree on the one reason kept', async () => {
      const { repo, peer } = get();
      for (let round = 0; round < 5; round++) {
        const { t, message, leaseId } = await openRun(repo);
        const [a, b] = await Promise.all([
          repo.endRun(t.projectId, t.threadId, leaseId, 'done'),
          peer.endRun(t.projectId, t.threadId, leaseId, 'cancelled'),
        ]);
        assert.ok(a.ok && b.ok);
        assert.equal(a.reason, b.reason, 'the second end reports the first one\'s reason');
        assert.equal((await runOf(repo, message))?.endReason, a.reason);
      }
    });

    it('a write racing an end either lands before it or is refused run_ended, never after it', async () => {
      const { repo, peer, dialect } = get();
      // Two SQLite connections in one process cannot race: better-sqlite3 waits for the lock
      // synchronously, so the end would block the event loop the write's transaction needs to
      // finish (two processes each have their own). On SQLite the store's own queue interleaves them.
      const ender = dialect === 'sqlite' ? repo : peer;
      for (let round = 0; round < 5; round++) {
        const { t, message, leaseId } = await openRun(repo);
        const [write] = await Promise.all([
          repo.updateMessage(t.projectId, t.threadId, message.id, { text: 'final' }, leaseId),
          ender.endRun(t.projectId, t.threadId, leaseId, 'done'),
        ]);
        const stored = await repo.getMessage(t.projectId, t.threadId, message.id);
        assert.equal(stored?.run?.status, 'ended');
        if (write === 'updated') assert.deepEqual(stored?.content, { text: 'final' });
        else {
          assert.equal(write, 'run_ended');
          assert.deepEqual(stored?.content, { status: 'running' });
        }
      }
    });

    it('updateMessage with a lease writes as its holder and renews it; a wrong or ended lease changes nothing', async () => {
      const { repo, clock } = get();
      const { t, message, leaseId } = await openRun(repo);
      const other = await append(repo, { ...t, parentId: null, openRun: true });
      const plain = await append(repo, { ...t, parentId: null });
      clock.now += 2000;
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, message.id, { text: 'partial' }, leaseId), 'updated');
      assert.deepEqual(await repo.getMessage(t.projectId, t.threadId, message.id), {
        ...message,
        content: { text: 'partial' },
        updatedAt: clock.now,
        run: { leaseId, status: 'running', lastHeartbeatAt: clock.now, endReason: null },
      });
      const before = await repo.getMessage(t.projectId, t.threadId, message.id);
      clock.now += 1000;
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, message.id, { text: 'x' }, other.run!.leaseId), 'lease_mismatch');
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, message.id, { text: 'x' }, 'lease_unknown'), 'lease_mismatch');
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, plain.id, { text: 'x' }, leaseId), 'lease_mismatch');
      await repo.endRun(t.projectId, t.threadId, leaseId, 'done');
      const ended = await repo.getMessage(t.projectId, t.threadId, message.id);
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, message.id, { text: 'x' }, leaseId), 'run_ended');
      assert.deepEqual(await repo.getMessage(t.projectId, t.threadId, message.id), ended);
      assert.deepEqual(ended?.content, before?.content);
      assert.equal(await repo.updateMessage(t.projectId, t.threadId, message.id, { text: 'plain' }), 'updated', 'a write without a lease still lands');
      assert.deepEqual(await runOf(repo, message), ended?.run, 'and leaves the lease as it was');
    });

    it('a lease is found only within its project and thread', async () => {
      const { repo } = get();
      const { t, leaseId } = await openRun(repo);
      const other = await threadIn(repo);
      const elsewhere = [
        [t.projectId, other.threadId],
        [scope().projectId, t.threadId],
      ] as const;
      for (const [projectId, threadId] of elsewhere) {
        assert.equal(await repo.heartbeatRun(projectId, threadId, leaseId), 'not_found');
        assert.deepEqual(await repo.endRun(projectId, threadId, leaseId, 'done'), { ok: false, reason: 'not_found' });
        assert.equal(await repo.findMessageByLease(projectId, threadId, leaseId), undefined);
      }
      assert.equal(await repo.heartbeatRun(t.projectId, t.threadId, 'lease_unknown'), 'not_found');
      assert.equal(await repo.heartbeatRun(t.projectId, t.threadId, leaseId), 'renewed', 'still running');
    });

    it('a lease goes with its message: deleted with it, moved with its thread', async () => {
      const { repo } = get();
      const { t, message, leaseId } = await openRun(repo);
      const target = scope().workspaceId;
      await repo.moveThreads(t.projectId, t.workspaceId, target);
      assert.equal(await repo.heartbeatRun(t.projectId, t.threadId, leaseId), 'renewed');
      await repo.deleteMessages(t.projectId, t.threadId, [message.id]);
      assert.equal(await repo.heartbeatRun(t.projectId, t.threadId, leaseId), 'not_found');
    });
  });

  describe('project-wide threads', () => {
    it('listProjectThreads pages every workspace of the project, and only that project, by archived flag', async () => {
      const { repo, clock } = get();
      const projectId = scope().projectId;
      const threads: Thread[] = [];
      for (let i = 0; i < 9; i++) {
        if (i % 2 === 0) clock.now += 1; // ties in last_message_at
        const thread = await repo.createThread({ projectId, workspaceId: `ws-${i % 3}`, title: `t${i}`, lastMessageAt: clock.now, metadata: null, externalId: null });
        threads.push(i % 4 === 0 ? (await repo.updateThread(projectId, thread.workspaceId, thread.id, { isArchived: true }))! : thread);
      }
      await repo.createThread({ projectId: scope().projectId, workspaceId: 'ws-0', title: 'other project', lastMessageAt: clock.now, metadata: null, externalId: null });
      const order = (list: Thread[]) =>
        [...list].sort((a, b) => b.lastMessageAt - a.lastMessageAt || (a.id < b.id ? 1 : -1)).map((x) => x.id);
      const readAll = async (isArchived: boolean | undefined, limit: number) => {
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await repo.listProjectThreads({ projectId, limit, ...(isArchived !== undefined ? { isArchived } : {}), ...(after !== undefined ? { after } : {}) });
          seen.push(...page.map((x) => x.id));
          if (page.length < limit) return seen;
          after = page.at(-1)!.id;
        }
      };
      for (const limit of [1, 2, 4, 50]) {
        assert.deepEqual(await readAll(false, limit), order(threads.filter((x) => !x.isArchived)), `unarchived, limit ${limit}`);
        assert.deepEqual(await readAll(true, limit), order(threads.filter((x) => x.isArchived)), `archived, limit ${limit}`);
        assert.deepEqual(await readAll(undefined, limit), order(threads), `both, limit ${limit}`);
      }
      const first = await repo.listProjectThreads({ projectId, limit: 2 });
      assert.deepEqual(await repo.listProjectThreads({ projectId, limit: 2, after: 'thread_unknown' }), first, 'unknown cursor: from the start');
      assert.deepEqual(await repo.getProjectThread(projectId, threads[4]!.id), threads[4]);
      assert.equal(await repo.getProjectThread(scope().projectId, threads[4]!.id), undefined, 'another project');
    });
  });
}
