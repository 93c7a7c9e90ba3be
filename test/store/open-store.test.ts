/** openStore picks the implementation the configuration names. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDatabaseUrl } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import { serviceUrl } from '../helpers/services.js';

describe('openStore', () => {
  it('opens SQLite for a file path, ready to migrate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-open-'));
    try {
      const store = await openStore(parseDatabaseUrl(join(dir, 'x.db')));
      try {
        assert.equal(store.dialect, 'sqlite');
        await store.migrate();
        assert.equal(await store.putSettingIfAbsent('k', 'v'), 'v');
      } finally {
        await store.close();
        await store.close(); // closing twice is harmless
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const url = serviceUrl('TEST_POSTGRES_URL');
  it('opens PostgreSQL for a postgres:// URL', { skip: url === undefined }, async () => {
    const store = await openStore(parseDatabaseUrl(url));
    try {
      // No query here: migrating would create tables in the shared database's default schema.
      assert.equal(store.dialect, 'postgres');
    } finally {
      await store.close();
      await store.close();
    }
  });
});
