/**
 * THREADGATE_PROVIDERS_FILE: providers applied at start, created then kept up to date, keys read
 * from the environment variable each entry names (sealed, never in the file); a bad file stops the
 * start naming the variable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { ConfigError } from '../../../src/config.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('providers file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-providers-file-'));
    process.env.TG_TEST_PROVIDER_KEY = 'sk-from-env-4321';
  });
  after(() => {
    delete process.env.TG_TEST_PROVIDER_KEY;
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the providers of the file with their keys from the environment, and leaves the others alone', async () => {
    const file = join(dir, 'providers.json');
    writeFileSync(file, JSON.stringify([
      { id: 'openai', base_url: 'https://api.openai.com/v1', models: ['gpt-4o-mini'], api_key_env: 'TG_TEST_PROVIDER_KEY' },
      { id: 'ollama', base_url: 'http://127.0.0.1:11434/v1', models: ['llama3.2'] },
    ]));
    const t = await createTestApp({ THREADGATE_PROVIDERS_FILE: file });
    try {
      const list = (await t.call('GET', '/admin/v1/providers', { headers: admin })).body.providers;
      assert.deepEqual(list.map((p: any) => [p.id, p.api_key, p.models]), [['ollama', null, ['llama3.2']], ['openai', '…4321', ['gpt-4o-mini']]]);
    } finally {
      await t.close();
    }
  });

  it('a file that is not valid, or names an unset variable, stops the start naming THREADGATE_PROVIDERS_FILE', async () => {
    for (const [name, content] of [
      ['bad.json', '{not json'],
      ['wrong.json', JSON.stringify([{ id: 'x', base_url: 'ftp://x', models: ['m'] }])],
      ['unset.json', JSON.stringify([{ id: 'x', base_url: 'https://x.example/v1', models: ['m'], api_key_env: 'TG_NOT_SET_ANYWHERE' }])],
      ['key.json', JSON.stringify([{ id: 'x', base_url: 'https://x.example/v1', models: ['m'], api_key: 'sk-in-the-file' }])],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, content);
      await assert.rejects(createTestApp({ THREADGATE_PROVIDERS_FILE: file }), (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.equal(error.variable, 'THREADGATE_PROVIDERS_FILE');
        return true;
      }, name);
    }
  });
});
