/**
 * Migration 012 on SQLite (issue 13 item 7): a database holding memories under migration 007's
 * index (bare words ANDed with the owner's token) migrates to the owner-scoped terms, and every
 * memory is found afterwards, by its owner only, with 007's FTS table, triggers and column gone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { kyselyOf } from '../../../src/store/kysely-store.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { createMemoryModule } from '../../../src/modules/memory/index.js';
import { principalFor } from './memory-store-cases.js';

const silent = { warn() {}, info() {} };

describe('memory migration 012 (SQLite owner-scoped terms)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-memory-012-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes the memories of an existing database under their owners, and drops the old index', async () => {
    const store = createSqliteStore({ path: join(dir, 'old.db') });
    try {
      const db = kyselyOf(store);
      const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
      const to010 = await migrator.migrateTo('010-service-auth-rules');
      assert.equal(to010.error, undefined);

      // Rows as a release with migration 007 wrote them (its triggers index them).
      const rows: Array<[string, string, string, string]> = [
        ['mem_old_1', 'ws-a', 'alice', 'Alice drinks espresso every morning'],
        ['mem_old_2', 'ws-a', 'alice', 'Alice visited the café in Lyon'],
        ['mem_old_3', 'ws-a', 'bob', 'Bob drinks espresso too'],
        ['mem_old_4', 'ws-b', 'alice', 'espresso in another workspace'],
      ];
      for (const [id, workspace, user, text] of rows) {
        await sql`insert into memories (id, project_id, workspace_id, user_id, text, metadata, created_at, updated_at)
          values (${id}, 'default', ${workspace}, ${user}, ${text}, 'null', 1000, 1000)`.execute(db);
      }
      const old = await sql<{ n: number }>`select count(*) as n from memories_fts where memories_fts match 'espresso'`.execute(db);
      assert.equal(Number(old.rows[0]!.n), 3, 'the old index holds the rows before the migration');

      await store.migrate();

      const objects = await sql<{ name: string }>`select name from sqlite_master where name like 'memories_fts%'`.execute(db);
      assert.deepEqual(objects.rows, [], 'the old FTS table and triggers are gone');
      const columns = await sql<{ name: string }>`select name from pragma_table_xinfo('memories')`.execute(db);
      assert.ok(!columns.rows.some((c) => c.name === 'scope_token'));

      let now = Date.UTC(2026, 0, 1);
      const memory = createMemoryModule({ store, config: { embeddings: null, memoryLanguage: 'english', memorySemanticMaxCandidates: 100 }, logger: silent, clock: () => now });
      const texts = async (user: string, workspace: string, query: string) =>
        (await memory.service.search(principalFor(user, workspace), { query, limit: 10, filter: {} })).hits.map((hit) => hit.memory.id).sort();

      assert.deepEqual(await texts('alice', 'ws-a', 'espresso'), ['mem_old_1']);
      assert.deepEqual(await texts('alice', 'ws-a', 'drinking'), ['mem_old_1'], 'stemmed as before');
      assert.deepEqual(await texts('alice', 'ws-a', 'cafe'), ['mem_old_2'], 'diacritics folded as before');
      assert.deepEqual(await texts('bob', 'ws-a', 'espresso'), ['mem_old_3']);
      assert.deepEqual(await texts('alice', 'ws-b', 'espresso'), ['mem_old_4']);
      assert.deepEqual(await texts('carol', 'ws-a', 'espresso'), []);

      // The new triggers keep the index in step: a write, an update and a delete after the migration.
      now += 1000;
      const [fresh] = await memory.service.create(principalFor('alice', 'ws-a'), [{ text: 'Alice likes ristretto' }], () => '');
      assert.deepEqual(await texts('alice', 'ws-a', 'ristretto'), [fresh!.id]);
      await memory.service.update(principalFor('alice', 'ws-a'), 'mem_old_1', { text: 'Alice drinks tea now' });
      assert.deepEqual(await texts('alice', 'ws-a', 'espresso'), []);
      assert.deepEqual(await texts('alice', 'ws-a', 'tea'), ['mem_old_1']);
      assert.equal(await memory.service.remove(principalFor('bob', 'ws-a'), 'mem_old_3'), true);
      assert.deepEqual(await texts('bob', 'ws-a', 'espresso'), []);
      await sql`insert into memories_terms(memories_terms) values ('integrity-check')`.execute(db);
    } finally {
      await store.close();
    }
  });
});
