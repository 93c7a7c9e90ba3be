/**
 * Keeps the error catalogue honest (fastify tests its error codes the same way): every code in
 * src/errors.ts is documented in docs/errors.md with its status, the page names no other code, and
 * the OpenAPI Error schema lists exactly the catalogue's codes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/errors.js';
import { createTestApp } from '../helpers/test-app.js';

const page = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...page.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]) }));

describe('error catalogue', () => {
  it('docs/errors.md documents every code with its status, once', () => {
    assert.deepEqual(rows.map((r) => r.code).sort(), [...ERROR_CODES].sort());
    for (const row of rows) assert.equal(row.status, ERROR_CATALOGUE[row.code as keyof typeof ERROR_CATALOGUE].status, row.code);
  });

  it('the OpenAPI Error schema lists exactly the catalogue\'s codes', async () => {
    const t = await createTestApp();
    try {
      const doc = (await t.call('GET', '/doc')).body as { components: { schemas: { Error: { properties: { error: { enum: string[] } } } } } };
      assert.deepEqual([...doc.components.schemas.Error.properties.error.enum].sort(), [...ERROR_CODES].sort());
    } finally {
      await t.close();
    }
  });
});
