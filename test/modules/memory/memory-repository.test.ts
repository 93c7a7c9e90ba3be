/** The memory store suite on SQLite (a temp file) and on PostgreSQL at TEST_POSTGRES_URL (a fresh schema). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { createPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { serviceUrl } from '../../helpers/services.js';
import { runMemoryStoreCases } from './memory-store-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'threadgate-memory-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runMemoryStoreCases('sqlite', async (clock) => {
  const store = createSqliteStore({ path: join(dir, 'memory.db') }, { clock });
  await store.migrate();
  return store;
});

const url = serviceUrl('TEST_POSTGRES_URL');
if (url !== undefined) {
  const schema = `tg_memory_${randomBytes(5).toString('hex')}`;
  after(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await admin.end();
    }
  });
  runMemoryStoreCases('postgres', async (clock) => {
    const store = createPostgresStore({ url, schema }, { clock });
    await store.migrate();
    return store;
  });
}
