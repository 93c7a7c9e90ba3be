/**
 * The memory store suite, run on SQLite and on PostgreSQL (memory-repository.test.ts): ranking,
 * filters, keyset pages, expiry and purge, unicode, and hostile query text that must never be an
 * error or an injection, and a thread named by a memory or a filter that the caller cannot see
 * (the threads module's answer, through its port). It drives the repository through the service,
 * as the routes do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/store.js';
import type { Principal } from '../../../src/auth/principal.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { createMemoryModule, type MemoryModule } from '../../../src/modules/memory/index.js';
import { createThreadsModule, type ThreadsModule } from '../../../src/modules/threads/index.js';
import { ThreadgateError } from '../../../src/errors.js';

const silent = { warn() {}, info() {} };

export function principalFor(userId: string, workspaceId: string, agents: Principal['agents'] = 'all', projectId = 'default'): Principal {
  return {
    projectId, userId, workspaceId, source: 'workspace_token', credentialId: 'test', scopes: new Set(ALL_SCOPES),
    agents, anonymous: false, user: {},
  };
}

/** Strings that are syntax to FTS5, to tsquery, to SQL, or awkward to Unicode. */
export const HOSTILE_QUERIES = [
  '"', '""', '"unbalanced', "'", "''; drop table memories; --", 'coffee OR', 'AND', 'NOT coffee', 'NEAR(coffee tea)', 'coffee*', '*', '^coffee',
  'text:coffee', 'memories_fts:coffee', '-coffee', '+coffee', '(coffee', 'coffee)', '{coffee}', 'col : x', 'a & b | !c', 'coffee:*', 'a <-> b', '\\',
  '%', '_', '\u0000', 'coffee\u0000tea', '\u202e\u200b', '🙂☕', '𝔠𝔬𝔣𝔣𝔢𝔢', 'ｃｏｆｆｅｅ', 'x'.repeat(2000), 'a '.repeat(500), '\ud800', 'the', '   ',
];

export function runMemoryStoreCases(name: string, open: (clock: () => number) => Promise<Store>): void {
  describe(`memory store (${name})`, () => {
    let store: Store;
    let memory: MemoryModule;
    let threads: ThreadsModule;
    let now = Date.UTC(2026, 0, 1);
    const alice = principalFor('alice', 'ws-a');

    before(async () => {
      store = await open(() => now);
      threads = createThreadsModule({ store, clock: () => now });
      memory = createMemoryModule({ store, config: { embeddings: null, memoryLanguage: 'english', memorySemanticMaxCandidates: 10_000 }, logger: silent, clock: () => now, threads: threads.service });
    });
    after(async () => store.close());

    const create = (principal: Principal, text: string, extra: Record<string, unknown> = {}) =>
      memory.service.create(principal, [{ text, ...extra }], () => '').then(([m]) => m!);

    it('ranks keyword hits by BM25: more matching words and rarer words first, with a score each', async () => {
      const user = principalFor('ranker', 'ws-r');
      await create(user, 'The user drinks espresso every morning and likes espresso beans from Ethiopia');
      await create(user, 'The user once tried espresso');
      await create(user, 'The user has a dog named Pixel');
      const { mode, hits } = await memory.service.search(user, { query: 'espresso ethiopia', limit: 10, filter: {} });
      assert.equal(mode, 'keyword');
      assert.equal(hits.length, 2);
      assert.match(hits[0]!.memory.text, /Ethiopia/);
      assert.ok(hits[0]!.score > hits[1]!.score, 'scores descend');
      assert.ok(hits.every((hit) => Number.isFinite(hit.score) && hit.score > 0));
      // Stemming: "drinking" finds "drinks" on both databases (porter / english).
      const stemmed = await memory.service.search(user, { query: 'drinking', limit: 10, filter: {} });
      assert.equal(stemmed.hits.length, 1);
    });

    it('never answers another user, workspace, project or agent in a search', async () => {
      await create(principalFor('bob', 'ws-a'), 'bob secret quokka');
      await create(principalFor('alice', 'ws-b'), 'alice other workspace quokka');
      await create(principalFor('alice', 'ws-a', 'all', 'other-project'), 'alice other project quokka');
      await create(alice, 'alice agent-x quokka', { agentId: 'agent-x' });
      await create(alice, 'alice unscoped quokka');
      const all = await memory.service.search(alice, { query: 'quokka', limit: 10, filter: {} });
      assert.deepEqual(all.hits.map((hit) => hit.memory.text).sort(), ['alice agent-x quokka', 'alice unscoped quokka']);
      const limited = await memory.service.search(principalFor('alice', 'ws-a', ['agent-y']), { query: 'quokka', limit: 10, filter: {} });
      assert.deepEqual(limited.hits.map((hit) => hit.memory.text), ['alice unscoped quokka']);
    });

    it('treats hostile and unusual query text as words, never as syntax or an error', async () => {
      const user = principalFor('hostile', 'ws-h');
      await create(user, 'coffee and tea, NEAR the café ☕ 咖啡');
      for (const query of HOSTILE_QUERIES) {
        const result = await memory.service.search(user, { query, limit: 5, filter: {} });
        assert.ok(Array.isArray(result.hits), JSON.stringify(query.slice(0, 20)));
        for (const hit of result.hits) assert.equal(hit.memory.userId, 'hostile');
      }
      // Operators are plain words: "coffee OR" finds coffee, and "NOT coffee" still matches coffee.
      assert.equal((await memory.service.search(user, { query: 'NOT coffee', limit: 5, filter: {} })).hits.length, 1);
      assert.equal((await memory.service.search(user, { query: '"coffee', limit: 5, filter: {} })).hits.length, 1);
      assert.equal((await memory.service.search(user, { query: 'ｃｏｆｆｅｅ', limit: 5, filter: {} })).hits.length, 1, 'NFKC folds full-width letters');
      assert.equal((await memory.service.search(user, { query: 'cafe', limit: 5, filter: {} })).hits.length, name === 'sqlite' ? 1 : 0, 'diacritics folded by FTS5 only');
      assert.equal((await memory.service.search(user, { query: '咖啡', limit: 5, filter: {} })).hits.length, 1);
      // The table is still there and whole.
      assert.equal((await memory.service.list(user, {}, { limit: 10 })).memories.length, 1);
    });

    it('finds the best hits that pass the filters when better-ranked ones do not (a small limit)', async () => {
      const user = principalFor('rounds', 'ws-rounds');
      // Twelve memories about pebbles that rank first (the word again and again) but belong to
      // agent "x", then three weaker ones of agent "y": SQLite ranks in the index before it reads
      // rows, so the filter leaves whole rounds of hits out before it finds "y"'s.
      for (let i = 0; i < 12; i++) await create(user, `pebble pebble pebble ${i}`, { agentId: 'x' });
      for (let i = 0; i < 3; i++) await create(user, `a pebble among many other words number ${i}`, { agentId: 'y' });
      const texts = async (limit: number, agentId: string) =>
        (await memory.service.search(user, { query: 'pebble', limit, filter: { agentId } })).hits.map((hit) => hit.memory.text).sort();
      for (const limit of [1, 2]) {
        const found = await texts(limit, 'y');
        assert.equal(found.length, limit, `limit ${limit}`);
        assert.ok(found.every((text) => text.startsWith('a pebble')), `limit ${limit}`);
      }
      assert.deepEqual(await texts(10, 'y'), ['a pebble among many other words number 0', 'a pebble among many other words number 1', 'a pebble among many other words number 2']);
      assert.equal((await texts(20, 'x')).length, 12);
    });

    it('stores unicode and awkward text exactly', async () => {
      const user = principalFor('ユーザー Zoë', 'ws-ü 🙂');
      const text = 'Zoë — naïve 🙂 "quoted" \'single\' \\ back % _ <tag> \u202e RTL 日本語';
      const created = await create(user, text, { metadata: { 'ключ': 'значение', nested: { emoji: '🙂' } } });
      const read = await memory.service.get(user, created.id);
      assert.equal(read?.text, text);
      assert.deepEqual(read?.metadata, { 'ключ': 'значение', nested: { emoji: '🙂' } });
      assert.equal((await memory.service.search(user, { query: '日本語', limit: 5, filter: {} })).hits.length, 1);
    });

    it('filters on agent, thread, metadata keys and time range, and pages by keyset', async () => {
      const user = principalFor('filters', 'ws-f');
      const { threadId: thread1 } = await threads.service.createThread(user, {});
      const start = now;
      for (let i = 0; i < 7; i++) {
        now = start + i * 1000;
        await create(user, `memory number ${i}`, {
          agentId: i % 2 === 0 ? 'even' : 'odd',
          threadId: i < 3 ? thread1 : null,
          metadata: { i, parity: i % 2 === 0 ? 'even' : 'odd', flag: i === 4, nothing: null },
        });
      }
      now = start + 10_000;
      const texts = (page: { memories: Array<{ text: string }> }) => page.memories.map((m) => m.text.replace('memory number ', ''));
      assert.deepEqual(texts(await memory.service.list(user, { agentId: 'even' }, { limit: 10 })), ['6', '4', '2', '0']);
      assert.deepEqual(texts(await memory.service.list(user, { threadId: thread1 }, { limit: 10 })), ['2', '1', '0']);
      assert.deepEqual(texts(await memory.service.list(user, { metadata: { parity: 'odd' } }, { limit: 10 })), ['5', '3', '1']);
      assert.deepEqual(texts(await memory.service.list(user, { metadata: { i: 3 } }, { limit: 10 })), ['3']);
      assert.deepEqual(texts(await memory.service.list(user, { metadata: { flag: true } }, { limit: 10 })), ['4']);
      assert.deepEqual(texts(await memory.service.list(user, { metadata: { nothing: null, parity: 'even' } }, { limit: 10 })), ['6', '4', '2', '0']);
      assert.deepEqual(texts(await memory.service.list(user, { metadata: { i: '3' } }, { limit: 10 })), [], 'the string "3" is not the number 3');
      assert.deepEqual(texts(await memory.service.list(user, { createdAfter: start + 2000, createdBefore: start + 5000 }, { limit: 10 })), ['4', '3', '2']);
      // Keyset pages: 3 + 3 + 1, no overlap, no gap.
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await memory.service.list(user, {}, { limit: 3, ...(cursor !== undefined ? { cursor } : {}) });
        seen.push(...texts(page));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ['6', '5', '4', '3', '2', '1', '0']);
      // A filter narrows search too.
      const hits = await memory.service.search(user, { query: 'memory number', limit: 10, filter: { agentId: 'odd', createdBefore: start + 4000 } });
      assert.deepEqual(hits.hits.map((hit) => hit.memory.text).sort(), ['memory number 1', 'memory number 3']);
      // Delete many by filter removes exactly those.
      assert.equal(await memory.service.removeMany(user, { metadata: { parity: 'odd' } }), 3);
      assert.deepEqual(texts(await memory.service.list(user, {}, { limit: 10 })), ['6', '4', '2', '0']);
      await assert.rejects(memory.service.list(user, {}, { limit: 3, cursor: 'not-a-cursor' }), (error: ThreadgateError) => error.code === 'validation_error');
    });

    it('never returns an expired memory, and purges it', async () => {
      const user = principalFor('expiry', 'ws-e');
      const start = now;
      const lasting = await create(user, 'lasting pelican');
      const fleeting = await create(user, 'fleeting pelican', { expiresAt: start + 60_000 });
      assert.equal((await memory.service.search(user, { query: 'pelican', limit: 10, filter: {} })).hits.length, 2);
      now = start + 60_000;
      assert.equal(await memory.service.get(user, fleeting.id), undefined);
      assert.deepEqual((await memory.service.list(user, {}, { limit: 10 })).memories.map((m) => m.id), [lasting.id]);
      assert.deepEqual((await memory.service.search(user, { query: 'pelican', limit: 10, filter: {} })).hits.map((hit) => hit.memory.id), [lasting.id]);
      assert.equal(await memory.service.update(user, fleeting.id, { text: 'revived' }), undefined, 'an expired memory cannot be updated back');
      assert.equal(await memory.service.remove(user, fleeting.id), false);
      assert.equal(await memory.countForUser('default', 'expiry'), 1);
      const purged = await memory.backfill.runOnce();
      assert.ok(purged.purged >= 1);
      assert.equal((await memory.service.listForUser('default', 'expiry', { limit: 10 })).memories.length, 1);
      await assert.rejects(create(user, 'already gone', { expiresAt: now - 1 }), (error: ThreadgateError) => error.code === 'validation_error');
    });

    it('updates text (re-indexed), metadata and expiry; deletes one', async () => {
      const user = principalFor('updates', 'ws-up');
      const created = await create(user, 'likes hiking', { metadata: { a: 1 } });
      now += 1;
      const updated = await memory.service.update(user, created.id, { text: 'likes sailing', metadata: null });
      assert.equal(updated?.text, 'likes sailing');
      assert.equal(updated?.metadata, null);
      assert.ok(updated!.updatedAt > created.updatedAt);
      assert.equal((await memory.service.search(user, { query: 'hiking', limit: 5, filter: {} })).hits.length, 0);
      assert.equal((await memory.service.search(user, { query: 'sailing', limit: 5, filter: {} })).hits.length, 1);
      assert.equal(await memory.service.remove(user, created.id), true);
      assert.equal((await memory.service.search(user, { query: 'sailing', limit: 5, filter: {} })).hits.length, 0, 'the keyword index forgets a deleted memory');
    });

    it('writes a batch all-or-nothing', async () => {
      const user = principalFor('batch', 'ws-bt');
      await assert.rejects(
        memory.service.create(user, [{ text: 'first ok' }, { text: 'second bad', metadata: [1, 2] }], (i) => `memories.${i}.`),
        (error: ThreadgateError) => error.code === 'validation_error' && error.fields.field === 'memories.1.metadata',
      );
      assert.equal((await memory.service.list(user, {}, { limit: 10 })).memories.length, 0);
      const created = await memory.service.create(user, [{ text: 'one' }, { text: 'two' }], (i) => `memories.${i}.`);
      assert.equal(created.length, 2);
    });

    it('reads only the newest vectors of the caller for a semantic search, newest first, however many there are', async () => {
      const scope = { projectId: 'default', workspaceId: 'ws-cap', userId: 'capped', agents: 'all' as const };
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        now += 1000;
        const [created] = await memory.repo.insertMany(scope, [{ text: `vector ${i}`, agentId: null, threadId: null, metadata: null, expiresAt: null, embedding: { vector: Float32Array.of(i, 1, -0.5), model: 'cap-model' } }], now);
        ids.push(created!.id);
      }
      // Another user's and another model's vectors are never candidates, even when newer.
      now += 1000;
      await memory.repo.insertMany({ ...scope, userId: 'not-capped' }, [{ text: 'other', agentId: null, threadId: null, metadata: null, expiresAt: null, embedding: { vector: Float32Array.of(9, 9, 9), model: 'cap-model' } }], now);
      await memory.repo.insertMany(scope, [{ text: 'old model', agentId: null, threadId: null, metadata: null, expiresAt: null, embedding: { vector: Float32Array.of(9, 9, 9), model: 'other-model' } }], now);
      const capped = await memory.repo.vectorCandidates(scope, {}, 'cap-model', now, 2);
      assert.deepEqual(capped.map((c) => c.memory.id), [ids[4], ids[3]]);
      assert.deepEqual([...capped[0]!.vector], [4, 1, -0.5], 'the stored float32 vector comes back exactly');
      assert.equal((await memory.repo.vectorCandidates(scope, {}, 'cap-model', now, 100)).length, 5);
    });

    it('a thread named by a memory or a filter must be one of the caller\'s workspace: otherwise not_found, and nothing is written', async () => {
      const user = principalFor('threaded', 'ws-t');
      const { threadId: own } = await threads.service.createThread(user, {});
      const { threadId: elsewhere } = await threads.service.createThread(principalFor('threaded', 'ws-other'), {});
      const { threadId: otherProject } = await threads.service.createThread({ projectId: 'other-project', workspaceId: 'ws-t' }, {});
      const kept = await create(user, 'kept quokka', { threadId: own });
      assert.equal(kept.threadId, own);
      const notFound = (error: unknown) => error instanceof ThreadgateError && error.code === 'not_found' && error.message === 'No such thread.';
      for (const threadId of [elsewhere, otherProject, 'thread_never_made']) {
        await assert.rejects(create(user, 'stray quokka', { threadId }), notFound, threadId);
        await assert.rejects(memory.service.create(user, [{ text: 'fine' }, { text: 'stray', threadId }], () => ''), notFound, 'a batch writes none');
        await assert.rejects(memory.service.update(user, kept.id, { text: 'moved', threadId }), notFound, threadId);
        await assert.rejects(memory.service.list(user, { threadId }, { limit: 10 }), notFound);
        await assert.rejects(memory.service.search(user, { query: 'quokka', limit: 10, filter: { threadId } }), notFound);
        await assert.rejects(memory.service.removeMany(user, { threadId }), notFound);
      }
      const all = await memory.service.list(user, {}, { limit: 10 });
      assert.deepEqual(all.memories.map((m) => [m.text, m.threadId]), [['kept quokka', own]], 'nothing written or changed');
      const moved = await memory.service.update(user, kept.id, { threadId: null });
      assert.equal(moved?.threadId, null);
      assert.equal((await memory.service.update(user, kept.id, { threadId: own }))?.threadId, own);
      assert.equal((await memory.service.removeMany(user, { threadId: own })), 1);
    });

    it('erases a user in every workspace, leaving everyone else', async () => {
      await create(principalFor('erased', 'ws-1'), 'one');
      await create(principalFor('erased', 'ws-2'), 'two', { expiresAt: now + 1000 });
      await create(principalFor('kept', 'ws-1'), 'three');
      assert.equal(await memory.countForUser('default', 'erased'), 2);
      assert.equal(await memory.eraseUser('other-project', 'erased'), 0);
      assert.equal(await memory.eraseUser('default', 'erased'), 2);
      assert.equal(await memory.countForUser('default', 'erased'), 0);
      assert.equal(await memory.countForUser('default', 'kept'), 1);
    });
  });
}
