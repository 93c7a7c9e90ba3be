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
import { QUERY_PLANS } from '../query-plans.js';

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

  for (const plan of QUERY_PLANS) {
    it(`reads ${plan.what} through ${plan.index}, in order, with no sort`, () => {
      const db = new BetterSqlite3(path, { readonly: true });
      try {
        const steps = (db.prepare(`explain query plan ${plan.sql}`).all() as { detail: string }[]).map((row) => row.detail).join(' | ');
        assert.match(steps, new RegExp(`^SEARCH \\w+ USING (COVERING )?INDEX ${plan.index} `), steps);
        assert.doesNotMatch(steps, /TEMP B-TREE/, steps);
      } finally {
        db.close();
      }
    });
  }
});
