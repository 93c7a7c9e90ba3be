/**
 * Both databases for a module's repository suite (kysely's loop over DIALECTS): a SQLite file in a
 * temp folder always, and a fresh schema on PostgreSQL at TEST_POSTGRES_URL (required under
 * CI=true, services.ts). Each is dropped when the file's tests end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { sql } from 'kysely';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { kyselyOf } from '../../src/store/kysely-store.js';
import type { StoreDeps } from '../../src/store/store-context.js';
import type { Store } from '../../src/store/store.js';
import { serviceUrl } from './services.js';

/** Opens a migrated store on the suite's database; called twice, two connections to one database (two processes). */
export type MakeStore = (deps?: StoreDeps) => Promise<Store>;

/**
 * Rows of `table` with this `project_id`, read past every repository with the store's own
 * connection, to see what a module's API cannot (feedback left behind by a delete).
 */
export async function countRows(store: Store, table: string, projectId: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where project_id = ${projectId}`.execute(kyselyOf(store));
  return Number(rows[0]!.n);
}

/**
 * Calls `suite` once per database with a way to open stores on it.
 *
 * @example
 * forEachDatabase('threads', (name, makeStore) => runThreadsCases(name, makeStore))
 */
export function forEachDatabase(label: string, suite: (name: 'sqlite' | 'postgres', makeStore: MakeStore) => void): void {
  const dir = mkdtempSync(join(tmpdir(), `threadgate-${label}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  suite('sqlite', async (deps) => {
    const store = createSqliteStore({ path: join(dir, `${label}.db`) }, deps);
    await store.migrate();
    return store;
  });

  const url = serviceUrl('TEST_POSTGRES_URL');
  if (url === undefined) return;
  const schema = `tg_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(5).toString('hex')}`;
  after(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await admin.end();
    }
  });
  suite('postgres', async (deps) => {
    const store = createPostgresStore({ url, schema }, deps);
    await store.migrate();
    return store;
  });
}
