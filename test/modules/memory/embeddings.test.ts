/**
 * Semantic and hybrid memory search against a real OpenAI-compatible embeddings peer
 * (test/helpers/embeddings-server.ts), through the HTTP API, and the provider-down path: a write
 * while the provider is down is stored and keyword-searchable at once, and embedded later by the
 * backfill, whose queue (embed_pending) survives a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../../../src/server.js';
import { createApp } from '../../../src/http/app.js';
import { createLogger } from '../../../src/logger.js';
import { mintWorkspaceToken } from '../../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { createTestApp, expectError, testConfig, type TestApp } from '../../helpers/test-app.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../../helpers/embeddings-server.js';

describe('memory search with embeddings', () => {
  let peer: EmbeddingsServer;
  let t: TestApp;
  let token: string;
  before(async () => {
    peer = await startEmbeddingsServer({ dimensions: 384 });
    t = await createTestApp({ THREADGATE_EMBEDDINGS_URL: peer.url, THREADGATE_EMBEDDINGS_MODEL: 'test-embed-384', THREADGATE_EMBEDDINGS_KEY: 'sk-test-secret', THREADGATE_MEMORY_BACKFILL_MS: '0' });
    token = await t.tokenFor('sem', 'ws-sem');
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  const add = (text: string) => t.call('POST', '/v1/memories', { token, body: { text } });
  const search = (query: string, mode?: string) => t.call('POST', '/v1/memories/search', { token, body: { query, ...(mode !== undefined ? { mode } : {}) } });

  it('embeds on write and finds by meaning (semantic), where keyword finds nothing', async () => {
    assert.equal((await add('Has a golden retriever dog named Biscuit')).status, 201);
    assert.equal((await add('Drinks a double espresso before work')).status, 201);
    assert.equal((await add('Spends summers sailing on the ocean')).status, 201);
    assert.equal(peer.lastModel, 'test-embed-384');
    const semantic = await search('puppy', 'semantic');
    assert.equal(semantic.status, 200);
    assert.equal(semantic.body.mode, 'semantic');
    assert.match(semantic.body.results[0].memory.text, /retriever/);
    assert.ok(semantic.body.results[0].semantic_score > semantic.body.results[1].semantic_score);
    const keyword = await search('puppy', 'keyword');
    assert.deepEqual(keyword.body.results, []);
  });

  it('defaults to hybrid: reciprocal rank fusion of keyword and semantic hits', async () => {
    const res = await search('latte espresso');
    assert.equal(res.status, 200);
    assert.equal(res.body.mode, 'hybrid');
    const top = res.body.results[0];
    assert.match(top.memory.text, /espresso/);
    assert.ok(top.keyword_score > 0 && top.semantic_score > 0, 'found by both halves');
    // Fused score: 1/(60+1) from each list when first in both.
    assert.ok(Math.abs(top.score - 2 / 61) < 1e-9);
    // A hit found only by meaning still appears, with no keyword_score.
    const meaning = await search('canine');
    assert.ok(meaning.body.results.some((hit: any) => /retriever/.test(hit.memory.text) && hit.keyword_score === undefined));
  });

  it('provider down: writes are stored and keyword-searchable at once, embedded later by the backfill', async () => {
    peer.down = true;
    try {
      const res = await add('Allergic to peanuts, carries an epipen');
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const keyword = await search('epipen');
      assert.equal(keyword.status, 200);
      assert.equal(keyword.body.mode, 'keyword', 'hybrid falls back to keyword and says so');
      assert.equal(keyword.body.results.length, 1);
      expectError(await search('nuts', 'semantic'), 503, 'embeddings_unavailable', ['sk-test-secret']);
      assert.equal(await t.deps.memory!.repo.countPending(), 1);
      const failed = await t.deps.memory!.backfill.runOnce();
      assert.equal(failed.failed, true);
    } finally {
      peer.down = false;
    }
    const run = await t.deps.memory!.backfill.runOnce();
    assert.equal(run.embedded, 1);
    assert.equal(await t.deps.memory!.repo.countPending(), 0);
    const semantic = await search('nuts', 'semantic');
    assert.match(semantic.body.results[0].memory.text, /peanuts/);
  });

  it('an updated text is embedded again', async () => {
    const created = await add('Loves climbing in the alps');
    const before = (await search('mountain', 'semantic')).body.results[0].memory.id;
    assert.equal(before, created.body.memory.id);
    await t.call('PATCH', `/v1/memories/${created.body.memory.id}`, { token, body: { text: 'Collects vinyl records' } });
    const after = await search('mountain', 'semantic');
    assert.ok(after.body.results.every((hit: any) => hit.memory.id !== created.body.memory.id || hit.semantic_score < 0.5));
  });

  it('semantic search never reaches another user\'s vectors', async () => {
    const other = await t.tokenFor('someone-else', 'ws-sem');
    const res = await t.call('POST', '/v1/memories/search', { token: other, body: { query: 'dog', mode: 'semantic' } });
    assert.deepEqual(res.body.results, []);
  });
});

describe('memory semantic search with THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES', () => {
  it('compares only the newest vectors: an older memory is found by keyword, not by meaning', async () => {
    const peer = await startEmbeddingsServer({ dimensions: 64 });
    const t = await createTestApp({ THREADGATE_EMBEDDINGS_URL: peer.url, THREADGATE_EMBEDDINGS_MODEL: 'm', THREADGATE_MEMORY_BACKFILL_MS: '0', THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES: '2' });
    try {
      const token = await t.tokenFor('cap', 'ws-cap');
      const add = async (text: string) => {
        const res = await t.call('POST', '/v1/memories', { token, body: { text } });
        assert.equal(res.status, 201);
        // Distinct creation times, so "newest" is well defined.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return res.body.memory.id as string;
      };
      const oldest = await add('Has a golden retriever dog named Biscuit');
      await add('Drinks a double espresso before work');
      await add('Spends summers sailing on the ocean');
      const semantic = await t.call('POST', '/v1/memories/search', { token, body: { query: 'puppy', mode: 'semantic' } });
      assert.equal(semantic.status, 200);
      assert.equal(semantic.body.results.length, 2, 'two candidates compared');
      assert.ok(semantic.body.results.every((hit: any) => hit.memory.id !== oldest));
      const hybrid = await t.call('POST', '/v1/memories/search', { token, body: { query: 'retriever puppy' } });
      const found = hybrid.body.results.find((hit: any) => hit.memory.id === oldest);
      assert.ok(found !== undefined && found.keyword_score > 0, 'the keyword half still finds it');
      assert.equal(found.semantic_score, undefined, 'not compared by meaning');
    } finally {
      await t.close();
      await peer.close();
    }
  });
});

describe('memory backfill across a restart', () => {
  it('keeps its queue in the database: memories written with the provider unreachable are embedded after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-backfill-'));
    const peer = await startEmbeddingsServer({ dimensions: 64 });
    try {
      // First run: the endpoint is configured but unreachable (a closed port).
      const closed = await startEmbeddingsServer();
      const deadUrl = closed.url;
      await closed.close();
      const first = await createServices(testConfig(dir, { THREADGATE_EMBEDDINGS_URL: deadUrl, THREADGATE_EMBEDDINGS_MODEL: 'm1', THREADGATE_EMBEDDINGS_TIMEOUT_MS: '2000', THREADGATE_MEMORY_BACKFILL_MS: '0' }), { logger: createLogger('silent') });
      const config = testConfig(dir);
      const { token } = await mintWorkspaceToken(first.deps.keyring, config, {
        projectId: config.projectId, userId: 'r', workspaceId: 'w', scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false, credential: { source: 'workspace_token', id: 'test' },
      });
      const app = createApp(first.deps);
      const res = await app.request('/v1/memories', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'walks the dog at dawn' }) });
      assert.equal(res.status, 201);
      assert.equal(await first.deps.memory!.repo.countPending(), 1);
      await first.close();

      // Second run: the endpoint is up; the queue is still there and drains.
      const second = await createServices(testConfig(dir, { THREADGATE_EMBEDDINGS_URL: peer.url, THREADGATE_EMBEDDINGS_MODEL: 'm1', THREADGATE_MEMORY_BACKFILL_MS: '0' }), { logger: createLogger('silent') });
      try {
        assert.equal(await second.deps.memory!.repo.countPending(), 1);
        assert.equal((await second.deps.memory!.backfill.runOnce()).embedded, 1);
        assert.equal(await second.deps.memory!.repo.countPending(), 0);
        // A model change: the re-embed queue takes every memory without an m2 vector.
        assert.equal(await second.deps.memory!.repo.markForReembed('m2', false), 1);
      } finally {
        await second.close();
      }
    } finally {
      await peer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('memory backfill in the background', () => {
  it('embeds what a failed write left queued, on its own, once the provider answers again', async () => {
    const { createSqliteStore } = await import('../../../src/store/sqlite/sqlite-store.js');
    const { createMemoryModule } = await import('../../../src/modules/memory/index.js');
    const { principalFor } = await import('./memory-store-cases.js');
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-backfill-bg-'));
    const store = createSqliteStore({ path: join(dir, 'bg.db') });
    await store.migrate();
    let up = false;
    let calls = 0;
    const embedder = {
      model: 'fake',
      async embed(values: readonly string[]) {
        calls++;
        if (!up) throw new Error('provider down (test)');
        return values.map(() => Float32Array.from([1, 0, 0]));
      },
    };
    const memory = createMemoryModule({ store, config: { embeddings: null, memoryLanguage: 'english', memorySemanticMaxCandidates: 10_000 }, logger: { warn() {}, info() {} }, clock: Date.now, embedder, backfill: { intervalMs: 20 } });
    try {
      await memory.service.create(principalFor('bg', 'ws'), [{ text: 'queued while down' }], () => '');
      assert.equal(await memory.repo.countPending(), 1);
      up = true;
      memory.backfill.start();
      // Polls the outcome, not the time: the run happens when it happens.
      while ((await memory.repo.countPending()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(calls >= 2, 'the write tried once, the backfill again');
      const [candidate] = await memory.repo.vectorCandidates({ projectId: 'default', workspaceId: 'ws', userId: 'bg', agents: 'all' }, {}, 'fake', Date.now(), 10);
      assert.deepEqual([...candidate!.vector], [1, 0, 0]);
    } finally {
      await memory.backfill.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
