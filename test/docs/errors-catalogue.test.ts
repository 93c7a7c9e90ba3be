/**
 * Keeps the error catalogue honest (fastify tests its error codes the same way): every code in
 * src/errors.ts has one row in the table of docs/errors.md, with its status; the table names no
 * other code; and the OpenAPI Error schema (src/http/openapi.ts `ErrorSchema`, and the generated
 * document at GET /doc) lists exactly the catalogue's codes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/errors.js';
import { ErrorSchema } from '../../src/http/openapi.js';
import { createTestApp } from '../helpers/test-app.js';

const TABLE_HEADER = /^\|\s*code\s*\|\s*status\s*\|/;

interface Row {
  line: number;
  cells: string[];
}

/** The rows of the table whose header starts `| code | status |` (the separator row skipped). */
function catalogueTable(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => TABLE_HEADER.test(line));
  assert.notEqual(start, -1, 'docs/errors.md has no table with a "| code | status |" header');
  assert.equal(
    lines.slice(start + 1).findIndex((line) => TABLE_HEADER.test(line)),
    -1,
    'docs/errors.md has two "| code | status |" tables; keep one',
  );
  const rows: Row[] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    // Split on pipes that are not escaped (`\|` appears inside cells).
    const cells = lines[i]!.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
    rows.push({ line: i + 1, cells });
  }
  return rows;
}

const page = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = catalogueTable(page);
const catalogue = new Set<string>(ERROR_CODES);

describe('error catalogue', () => {
  it('docs/errors.md: every row names one code as `code` in its first column, and a status', () => {
    assert.ok(rows.length > 0, 'the table has no rows');
    for (const row of rows) {
      assert.match(row.cells[0] ?? '', /^`[a-z_]+`$/, `docs/errors.md line ${row.line}: the first column must be \`code\``);
      assert.match(row.cells[1] ?? '', /^\d{3}$/, `docs/errors.md line ${row.line}: the second column must be the HTTP status`);
      assert.ok((row.cells[2] ?? '') !== '' && (row.cells[3] ?? '') !== '', `docs/errors.md line ${row.line}: say when it happens and what to do`);
    }
  });

  const documented = rows.map((row) => ({ code: (row.cells[0] ?? '').replace(/`/g, ''), status: Number(row.cells[1]), line: row.line }));

  it('docs/errors.md documents every code of the catalogue', () => {
    const names = new Set(documented.map((row) => row.code));
    const missing = ERROR_CODES.filter((code) => !names.has(code));
    assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`);
  });

  it('docs/errors.md names no code outside the catalogue, and each once', () => {
    const unknown = documented.filter((row) => !catalogue.has(row.code)).map((row) => `${row.code} (line ${row.line})`);
    assert.deepEqual(unknown, [], `codes in docs/errors.md that src/errors.ts does not have: ${unknown.join(', ')}`);
    const seen = new Set<string>();
    const twice = documented.filter((row) => seen.size === seen.add(row.code).size).map((row) => row.code);
    assert.deepEqual(twice, [], `codes listed twice in docs/errors.md: ${twice.join(', ')}`);
  });

  it('docs/errors.md gives each code the status of the catalogue', () => {
    for (const row of documented) {
      if (!catalogue.has(row.code)) continue;
      assert.equal(row.status, ERROR_CATALOGUE[row.code as keyof typeof ERROR_CATALOGUE].status, `status of ${row.code} (line ${row.line})`);
    }
  });

  it('the ErrorSchema error enum lists exactly the catalogue\'s codes', () => {
    const options = (ErrorSchema.shape.error as unknown as { options: readonly string[] }).options;
    assert.deepEqual([...options].sort(), [...ERROR_CODES].sort());
  });

  it('the generated OpenAPI document (GET /doc) has the same Error enum', async () => {
    const t = await createTestApp();
    try {
      const res = await t.call('GET', '/doc');
      assert.equal(res.status, 200);
      const doc = res.body as { components: { schemas: { Error: { properties: { error: { enum: string[] } } } } } };
      assert.deepEqual([...doc.components.schemas.Error.properties.error.enum].sort(), [...ERROR_CODES].sort());
    } finally {
      await t.close();
    }
  });
});
