/**
 * Migration names are shared by every folder that holds migrations (src/store/migrations/ and
 * src/modules/<module>/migrations/), and Kysely runs them in the order of their names. Two branches
 * once both added an "011" in different folders (the second became 012-memory-owner-terms): this
 * test fails on such a pair, on a file that src/store/migrations/index.ts forgot, and on a list out
 * of order. How to pick the next number: docs/data-model.md "Migrations".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Every migration file: `NNN-name.ts` in the platform's folder and in each module's migrations/. */
function migrationFiles(): Array<{ name: string; path: string }> {
  const folders = [
    join(SRC, 'store', 'migrations'),
    ...readdirSync(join(SRC, 'modules'))
      .map((module) => join(SRC, 'modules', module, 'migrations'))
      .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true),
  ];
  return folders.flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
      .map((file) => ({ name: file.slice(0, -'.ts'.length), path: join(dir, file) })),
  );
}

const numberOf = (name: string) => name.slice(0, 3);

describe('migration names', () => {
  const files = migrationFiles();
  const listed = Object.keys(MIGRATIONS);

  it('every name is a three-digit number and a kebab-case title', () => {
    for (const name of [...listed, ...files.map((file) => file.name)]) {
      assert.match(name, /^\d{3}-[a-z0-9]+(?:-[a-z0-9]+)*$/, `${name}: name migrations NNN-what-it-does`);
    }
  });

  it('no two migration files, in any folders, share a name or a number', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const file of files) {
      const where = relative(SRC, file.path);
      for (const key of [file.name, numberOf(file.name)]) {
        const earlier = seen.get(key);
        if (earlier !== undefined) clashes.push(`${key}: ${earlier} and ${where}`);
        seen.set(key, where);
      }
    }
    assert.deepEqual(clashes, [], 'give the newer migration the next free number (docs/data-model.md "Migrations")');
  });

  it('the list names every file, once, under the file\'s own name, and runs in the order of the names', async () => {
    assert.deepEqual([...listed].sort(), files.map((file) => file.name).sort(), 'src/store/migrations/index.ts lists exactly the migration files');
    assert.equal(new Set(listed.map(numberOf)).size, listed.length, 'no two listed migrations share a number');
    assert.deepEqual(listed, [...listed].sort(), 'listed in the order Kysely runs them (by name)');
    for (const file of files) {
      assert.equal(MIGRATIONS[file.name], await import(pathToFileURL(file.path).href), `${file.name} is listed with ${relative(SRC, file.path)}'s own code`);
    }
  });
});
