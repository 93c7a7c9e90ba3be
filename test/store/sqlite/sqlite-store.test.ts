/** The store suite on a SQLite file in a temp folder, plus what only SQLite needs checking. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { runStoreCases } from '../store-cases.js';
import { capturePlanQuery, PLAN_DATA, QUERY_PLANS } from '../query-plans.js';
import type { CompiledQuery } from 'kysely';
import type { Store } from '../../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'threadgate-store-'));
const path = join(dir, 'store.db');
let reader: BetterSqlite3.Database | undefined;

after(() => {
  reader?.close();
  rmSync(dir, { recursive: true, force: true });
});

runStoreCases(
  'sqlite',
  async (deps) => {
    const store = createSqliteStore({ path }, deps);
    await store.migrate();
    return store;
  },
  {
    async countRows(table, projectId) {
      reader ??= new BetterSqlite3(path, { readonly: true });
      const row = reader.prepare(`select count(*) as n from "${table}" where project_id = ?`).get(projectId) as { n: number };
      return row.n;
    },
  },
);

/** Runs `migrate()` in a separate node process, starting at `startAt` (ms since the epoch). */
function migrateInChild(file: string, startAt: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'migrate-child.ts'), file, String(startAt)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('sqlite store', () => {
  it('two processes migrating one fresh file at once both succeed, and each migration runs once', async () => {
    for (let round = 0; round < 3; round++) {
      const file = join(dir, `parallel-${round}.db`);
      // Both children wait for the same instant, so their migrations overlap rather than queue behind tsx start-up.
      const startAt = Date.now() + 2500;
      const results = await Promise.all([migrateInChild(file, startAt), migrateInChild(file, startAt)]);
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        const names = db.prepare('select name from kysely_migration order by name').all() as { name: string }[];
        assert.deepEqual(names.map((row) => row.name), Object.keys(MIGRATIONS));
        const tables = db.prepare("select name from sqlite_master where type = 'table' and name = 'threads'").all();
        assert.equal(tables.length, 1);
      } finally {
        db.close();
      }
    }
  });

  it('uses WAL, so other processes read while the server writes', () => {
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  describe('query plans of the store\'s own queries', () => {
    const planPath = join(dir, 'plans.db');
    const captured: CompiledQuery[] = [];
    let planStore: Store | undefined;
    /** A store over PLAN_DATA (query-plans.ts), handing over every query it runs. */
    async function storeWithPlanData(): Promise<Store> {
      if (planStore !== undefined) return planStore;
      const store = createSqliteStore({ path: planPath }, { onQuery: (query) => captured.push(query) });
      await store.migrate();
      const db = new BetterSqlite3(planPath);
      try {
        const { projectId, workspaceId, threadId, rows } = PLAN_DATA;
        const numbers = `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows})`;
        db.prepare(
          `insert into threads (id, project_id, workspace_id, title, last_message_at, metadata, is_archived, created_at, updated_at)
           values (?, ?, ?, '', 0, 'null', 0, 0, 0)`,
        ).run(threadId, projectId, workspaceId);
        db.prepare(
          `${numbers} insert into threads (id, project_id, workspace_id, title, last_message_at, metadata, is_archived, created_at, updated_at)
           select 'plan_' || i, ?, case when i % 40 = 0 then ? else ? || (i % 40) end, '', i, 'null', i % 2, i, i from n`,
        ).run(projectId, workspaceId, workspaceId);
        db.prepare(
          `${numbers} insert into messages (id, project_id, thread_id, parent_id, height, format, content, created_at, updated_at, run_lease_id)
           select 'plan_' || i, ?, ?, null, 0, 'f', '{}', i, i, case when i % 2 = 0 then 'lease_' || i end from n`,
        ).run(projectId, threadId);
      } finally {
        db.close();
      }
      planStore = store;
      return store;
    }
    after(() => planStore?.close());

    for (const plan of QUERY_PLANS) {
      it(`reads ${plan.what} through ${plan.index}, in order, with no sort`, async () => {
        const query = await capturePlanQuery(await storeWithPlanData(), captured, plan);
        const db = new BetterSqlite3(planPath, { readonly: true });
        try {
          const rows = db.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[];
          const steps = rows.map((row) => row.detail).join(' | ');
          assert.match(steps, new RegExp(`^SEARCH \\w+ USING (COVERING )?INDEX ${plan.index} `), `${query.sql}\n${steps}`);
          assert.doesNotMatch(steps, /TEMP B-TREE/, `${query.sql}\n${steps}`);
        } finally {
          db.close();
        }
      });
    }
  });
});
