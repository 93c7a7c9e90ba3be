/**
 * The audit table's repository (src/modules/audit/audit-repository.ts) on SQLite always and on
 * PostgreSQL at TEST_POSTGRES_URL: batch inserts, every filter, keyset pages newest first, the
 * project boundary and the purge.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { createPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { kyselyOf } from '../../../src/store/kysely-store.js';
import { createAuditRepository, type AuditRecord } from '../../../src/modules/audit/audit-repository.js';
import type { Store } from '../../../src/store/store.js';
import { serviceUrl } from '../../helpers/services.js';
import { createTempDatabase } from '../../helpers/postgres-database.js';

function record(n: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `aud_${String(n).padStart(4, '0')}`,
    projectId: 'p1',
    at: 1_000_000 + Math.floor(n / 2) * 1000, // two events per second: the keyset must break ties by id
    kind: n % 3 === 0 ? 'auth.failed' : 'api_key.revoked',
    actor: n % 3 === 0 ? 'anonymous' : n % 2 === 0 ? 'cli' : 'admin_key',
    actorName: n % 2 === 0 && n % 3 !== 0 ? 'ops' : null,
    address: '203.0.113.7',
    route: 'DELETE /admin/v1/api-keys/key_1',
    objectType: n % 3 === 0 ? null : 'api_key',
    objectId: n % 3 === 0 ? null : `key_${n % 4}`,
    detail: { n, nested: { before: { enabled: true } } },
    ...over,
  };
}

function runCases(name: string, open: () => Promise<{ store: Store; close(): Promise<void> }>) {
  describe(`audit repository – ${name}`, () => {
    let opened: { store: Store; close(): Promise<void> } | undefined;
    after(async () => opened?.close());

    it('stores batches and lists them newest first, every filter, in keyset pages, within the project', async () => {
      opened = await open();
      const repository = createAuditRepository(kyselyOf(opened.store));
      const all = Array.from({ length: 30 }, (_, n) => record(n));
      await repository.insert(all.slice(0, 17));
      await repository.insert(all.slice(17));
      await repository.insert([record(99, { projectId: 'other' })]);
      await repository.insert([]);

      const newestFirst = [...all].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
      const listed = await repository.list({ projectId: 'p1', limit: 500 });
      assert.deepEqual(listed, newestFirst);

      // Keyset pages of 7 walk the same order, no gap, no repeat.
      const paged: AuditRecord[] = [];
      let afterKey: { at: number; id: string } | undefined;
      for (;;) {
        const page = await repository.list({ projectId: 'p1', limit: 7, ...(afterKey !== undefined ? { after: afterKey } : {}) });
        paged.push(...page);
        if (page.length < 7) break;
        afterKey = { at: page.at(-1)!.at, id: page.at(-1)!.id };
      }
      assert.deepEqual(paged.map((r) => r.id), newestFirst.map((r) => r.id));

      const ids = (rows: AuditRecord[]) => rows.map((r) => r.id).sort();
      const expect = (keep: (r: AuditRecord) => boolean) => ids(all.filter(keep));
      assert.deepEqual(ids(await repository.list({ projectId: 'p1', kind: 'auth.failed', limit: 500 })), expect((r) => r.kind === 'auth.failed'));
      assert.deepEqual(ids(await repository.list({ projectId: 'p1', actor: 'cli', limit: 500 })), expect((r) => r.actor === 'cli'));
      assert.deepEqual(ids(await repository.list({ projectId: 'p1', objectId: 'key_1', limit: 500 })), expect((r) => r.objectId === 'key_1'));
      assert.deepEqual(ids(await repository.list({ projectId: 'p1', since: 1_005_000, until: 1_010_000, limit: 500 })), expect((r) => r.at >= 1_005_000 && r.at < 1_010_000));
      assert.deepEqual(ids(await repository.list({ projectId: 'p1', kind: 'api_key.revoked', actor: 'admin_key', objectId: 'key_1', limit: 500 })), expect((r) => r.kind === 'api_key.revoked' && r.actor === 'admin_key' && r.objectId === 'key_1'));
      assert.deepEqual((await repository.list({ projectId: 'other', limit: 500 })).map((r) => r.id), ['aud_0099']);

      // Purged before a time: older rows of the project only.
      const deleted = await repository.purge('p1', 1_005_000);
      assert.equal(deleted, all.filter((r) => r.at < 1_005_000).length);
      assert.deepEqual(ids(await repository.list({ projectId: 'p1', limit: 500 })), expect((r) => r.at >= 1_005_000));
      assert.equal((await repository.list({ projectId: 'other', limit: 500 })).length, 1);
    });
  });
}

runCases('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-audit-'));
  const store = createSqliteStore({ path: join(dir, 'test.db') });
  await store.migrate();
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const postgresUrl = serviceUrl('TEST_POSTGRES_URL');
if (postgresUrl !== undefined) {
  runCases('postgres', async () => {
    const database = await createTempDatabase(postgresUrl, 'audit');
    const store = createPostgresStore({ url: database.url });
    await store.migrate();
    return {
      store,
      async close() {
        await store.close();
        await database.drop();
      },
    };
  });
}
