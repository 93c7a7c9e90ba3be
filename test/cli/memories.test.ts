/**
 * `threadgate memories count|list|erase|reembed` as a user runs it (the built dist/cli/main.js),
 * over a SQLite file seeded in-process, with the deterministic embeddings peer for reembed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createMemoryModule } from '../../src/modules/memory/index.js';
import { TEST_MASTER_KEY } from '../helpers/server-process.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../helpers/embeddings-server.js';
import { principalFor } from '../modules/memory/memory-store-cases.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const exec = promisify(execFile);

describe('threadgate memories', () => {
  let dir: string;
  let env: Record<string, string>;
  let peer: EmbeddingsServer;
  const run = async (args: string[], extra: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env, ...extra }, encoding: 'utf8' });
      return { status: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-cli-memories-'));
    env = { DATABASE_URL: join(dir, 'cli.db'), THREADGATE_MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'silent' };
    peer = await startEmbeddingsServer({ dimensions: 32 });
    const store = createSqliteStore({ path: env.DATABASE_URL! });
    await store.migrate();
    const memory = createMemoryModule({ store, config: { embeddings: null, memoryLanguage: 'english', memorySemanticMaxCandidates: 10_000 }, logger: { warn() {}, info() {} }, clock: Date.now });
    await memory.service.create(principalFor('cli-user', 'ws-1'), [{ text: 'first' }, { text: 'second' }], () => '');
    await memory.service.create(principalFor('cli-user', 'ws-2'), [{ text: 'third' }], () => '');
    await memory.service.create(principalFor('someone', 'ws-1'), [{ text: 'not theirs' }], () => '');
    await store.close();
  });
  after(async () => {
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts and lists a user\'s memories across workspaces', async () => {
    const counted = await run(['memories', 'count', 'cli-user']);
    assert.equal(counted.status, 0, counted.stderr);
    assert.deepEqual(JSON.parse(counted.stdout), { user_id: 'cli-user', count: 3 });
    const listed = await run(['memories', 'list', 'cli-user', '--limit', '2']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(JSON.parse(listed.stdout).length, 2);
  });

  it('reembed needs an embeddings endpoint, then embeds every memory with the configured model', async () => {
    const refused = await run(['memories', 'reembed']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /THREADGATE_EMBEDDINGS_URL/);
    const embedding = { THREADGATE_EMBEDDINGS_URL: peer.url, THREADGATE_EMBEDDINGS_MODEL: 'cli-model' };
    const first = await run(['memories', 'reembed'], embedding);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Embedded 4 memories with cli-model; 0 left/);
    assert.equal(peer.lastModel, 'cli-model');
    // Same model again: nothing to do; --all does all of them.
    assert.match((await run(['memories', 'reembed'], embedding)).stdout, /Embedded 0 memories/);
    assert.match((await run(['memories', 'reembed', '--all'], embedding)).stdout, /Queued 4 memories/);
    // A new model: every memory again.
    assert.match((await run(['memories', 'reembed'], { ...embedding, THREADGATE_EMBEDDINGS_MODEL: 'cli-model-2' })).stdout, /Embedded 4 memories with cli-model-2/);
    // Provider down: a clear failure, the rest left queued.
    peer.down = true;
    try {
      const down = await run(['memories', 'reembed', '--all'], embedding);
      assert.equal(down.status, 1);
      assert.match(down.stderr, /left queued/);
    } finally {
      peer.down = false;
    }
  });

  it('erases one user\'s memories only, and refuses bad command lines', async () => {
    const erased = await run(['memories', 'erase', 'cli-user']);
    assert.equal(erased.status, 0, erased.stderr);
    assert.match(erased.stdout, /Erased 3 memories of cli-user/);
    assert.deepEqual(JSON.parse((await run(['memories', 'count', 'cli-user'])).stdout).count, 0);
    assert.deepEqual(JSON.parse((await run(['memories', 'count', 'someone'])).stdout).count, 1);
    for (const args of [['memories'], ['memories', 'erase'], ['memories', 'list', 'u', '--limit', 'x'], ['memories', 'reembed', '--everything']]) {
      const bad = await run(args);
      assert.equal(bad.status, 1, args.join(' '));
      assert.match(bad.stderr, /memories: expected/);
    }
  });
});
