/**
 * No module reads another's tables (issue 12 item 1; ARCHITECTURE.md "What each module has"): each
 * module's source (src/modules/<module>/**) names only the tables its own migrations create, and the
 * platform (the rest of src/) only its own. What another module or the platform keeps is reached
 * through a port that its owner implements (auth/credential-records.ts `CredentialLookups`,
 * modules/threads/threads-ports.ts, modules/users/users-ports.ts), wired in server.ts.
 *
 * Tables are read from the source text (test/helpers/table-references.ts says which forms). The
 * owners are docs/data-model.md's "Tables and their owners".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createdTables, tableReferences, type TableReference } from '../helpers/table-references.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const MODULES = join(SRC, 'modules');
const PLATFORM_MIGRATIONS = join(SRC, 'store', 'migrations');
const PLATFORM = 'platform';

/**
 * The baseline migration (src/store/migrations/001-initial.ts) predates the modules and stays
 * shared: it has shipped, so it is never split or edited. Its tables' owners, as its own comment
 * says; every other table belongs to whoever's migrations create it.
 */
const BASELINE = '001-initial.ts';
const BASELINE_OWNERS: Readonly<Record<string, string>> = {
  threads: 'threads', messages: 'threads', message_feedback: 'threads',
  runs: 'runs', events: 'runs', scores: 'runs',
  api_keys: 'credentials-admin',
  // What a credential check reads (src/auth, src/store/kysely-store-auth.ts).
  signing_keys: PLATFORM, users: PLATFORM, refresh_families: PLATFORM, refresh_tokens: PLATFORM, settings: PLATFORM,
};

/**
 * Touches of another owner's table that stay, each with its reason. Keep it short; an entry no
 * longer needed fails the test, so the list never outlives its reasons.
 */
const ALLOWED: ReadonlyArray<{ module: string; file: string; table: string; why: string }> = [
  {
    module: 'agents',
    file: 'migrations/008-agents.ts',
    table: 'auth_rules',
    why: 'migration 008 added the credentials-admin column auth_rules.user_fields; it has shipped, and a shipped migration is never edited or renamed (store/migrations/index.ts)',
  },
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const modules = readdirSync(MODULES).filter((name) => statSync(join(MODULES, name)).isDirectory()).sort();

/** Migration files and their owner: each module's migrations/, and the platform's (the baseline aside). */
function migrationFiles(): Array<{ path: string; owner: string }> {
  const platform = readdirSync(PLATFORM_MIGRATIONS)
    .filter((name) => /^\d{3}-.+\.ts$/.test(name))
    .map((name) => ({ path: join(PLATFORM_MIGRATIONS, name), owner: PLATFORM }));
  const own = modules.flatMap((module) => {
    const dir = join(MODULES, module, 'migrations');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names.filter((name) => name.endsWith('.ts')).map((name) => ({ path: join(dir, name), owner: module }));
  });
  return [...platform, ...own];
}

/** Every table a migration creates → its owner. Throws when two owners create the same table. */
function owners(): Map<string, string> {
  const byTable = new Map<string, string>();
  for (const { path, owner } of migrationFiles()) {
    for (const table of createdTables(readFileSync(path, 'utf8'))) {
      const tableOwner = path === join(PLATFORM_MIGRATIONS, BASELINE) ? BASELINE_OWNERS[table] : owner;
      if (tableOwner === undefined) throw new Error(`${relative(SRC, path)} creates ${table}, which BASELINE_OWNERS does not name`);
      const earlier = byTable.get(table);
      if (earlier !== undefined && earlier !== tableOwner) throw new Error(`${table} is created by both ${earlier} and ${tableOwner}`);
      byTable.set(table, tableOwner);
    }
  }
  return byTable;
}

interface Touch extends TableReference {
  file: string;
}

/**
 * The known tables `files` touch (through builders, or by name in raw SQL), and the builder
 * arguments that name no table at all (neither a table nor a common table expression of the file).
 */
function touches(files: string[], root: string, known: ReadonlyMap<string, string>): { touched: Touch[]; unknown: Touch[]; unresolved: Touch[] } {
  const touched: Touch[] = [];
  const unknown: Touch[] = [];
  const unresolved: Touch[] = [];
  for (const path of files) {
    const file = relative(root, path);
    const found = tableReferences(readFileSync(path, 'utf8'));
    for (const reference of found.builder) {
      if (known.has(reference.table)) touched.push({ ...reference, file });
      else if (!found.ctes.has(reference.table)) unknown.push({ ...reference, file });
    }
    for (const reference of found.rawSql) if (known.has(reference.table)) touched.push({ ...reference, file });
    for (const reference of found.unresolved) unresolved.push({ ...reference, file });
  }
  return { touched, unknown, unresolved };
}

const show = (touch: Touch) => `${touch.file}:${touch.line} ${touch.via}(${touch.table})`;

describe('table ownership', () => {
  const tables = owners();

  it('every table a migration creates has one owner, and the baseline\'s owners name exactly its tables', () => {
    const baseline = createdTables(readFileSync(join(PLATFORM_MIGRATIONS, BASELINE), 'utf8'));
    assert.deepEqual([...baseline].sort(), Object.keys(BASELINE_OWNERS).sort());
    for (const owner of new Set(Object.values(BASELINE_OWNERS))) {
      assert.ok(owner === PLATFORM || modules.includes(owner), `BASELINE_OWNERS names ${owner}, which is no module`);
    }
    assert.ok(tables.size >= 20, `only ${tables.size} tables found: the scan of migrations has broken`);
  });

  for (const module of modules) {
    it(`${module}: touches only the tables its own migrations create`, () => {
      const files = tsFiles(join(MODULES, module));
      const { touched, unknown, unresolved } = touches(files, join(MODULES, module), tables);
      assert.deepEqual(unresolved.map(show), [], 'name tables with literals (or a const array of them) so that this test can read them');
      assert.deepEqual(unknown.map(show), [], 'a builder names a table no migration creates');
      const foreign = touched.filter((touch) => tables.get(touch.table) !== module);
      const allowed = (touch: Touch) => ALLOWED.some((entry) => entry.module === module && entry.file === touch.file && entry.table === touch.table);
      assert.deepEqual(
        foreign.filter((touch) => !allowed(touch)).map((touch) => `${show(touch)}: ${touch.table} is owned by ${tables.get(touch.table)}`),
        [],
        'reach another owner\'s table through a port its owner implements (see the file comment)',
      );
      for (const entry of ALLOWED.filter((candidate) => candidate.module === module)) {
        assert.ok(foreign.some((touch) => touch.file === entry.file && touch.table === entry.table), `ALLOWED entry no longer needed: ${module} ${entry.file} ${entry.table}`);
      }
    });
  }

  it('the platform (src/ outside src/modules and the migrations) touches only the platform\'s tables', () => {
    const files = tsFiles(SRC).filter((path) => !path.startsWith(MODULES) && !path.startsWith(PLATFORM_MIGRATIONS));
    const { touched, unknown, unresolved } = touches(files, SRC, tables);
    assert.deepEqual(unresolved.map(show), []);
    assert.deepEqual(unknown.map(show), []);
    assert.deepEqual(touched.filter((touch) => tables.get(touch.table) !== PLATFORM).map((touch) => `${show(touch)}: ${touch.table} is owned by ${tables.get(touch.table)}`), []);
    assert.ok(touched.some((touch) => touch.table === 'users'), 'the scan sees the platform\'s own users table (store/kysely-store-auth.ts)');
  });
});

describe('table references (the scan this test relies on)', () => {
  it('reads builders, aliases, joins, arrays, const-bound names, raw SQL and common table expressions, skipping comments', () => {
    const source = [
      '// selectFrom(\'commented_out\')',
      '/* deleteFrom(\'also_commented\') */',
      'const TABLES = [\'runs\', \'events\'] as const;',
      'await db.selectFrom(\'messages as m\').innerJoin(\'threads\', \'threads.id\', \'m.thread_id\').execute();',
      'await trx.updateTable("users").set({ a: 1 }).execute();',
      'for (const table of TABLES) await db.deleteFrom(table).execute();',
      'await db.selectFrom([\'scores\', \'agents as a\']).execute();',
      'await db.withRecursive(\'doomed(id)\', (qb) => qb.selectFrom(\'messages\')).selectFrom(\'doomed\').execute();',
      'await sql<{ n: number }>`select count(*) from settings where x = ${sql.ref(\'y\')} and z in (select 1 from audit_events)`.execute(db);',
      'await db.schema.createIndex(\'i\').on(\'memories\').column(\'id\').execute();',
      'const url = \'https://example.test/\'; // deleteFrom(\'after_a_url\')',
      'await db.insertInto(someVariable).execute();',
    ].join('\n');
    const found = tableReferences(source);
    assert.deepEqual(
      found.builder.map((reference) => `${reference.line}:${reference.via}:${reference.table}`),
      ['4:selectFrom:messages', '4:innerJoin:threads', '5:updateTable:users', '6:deleteFrom:runs', '6:deleteFrom:events', '7:selectFrom:scores', '7:selectFrom:agents', '8:selectFrom:messages', '8:selectFrom:doomed', '10:createIndex().on:memories'],
    );
    assert.deepEqual([...found.ctes], ['doomed']);
    assert.deepEqual(found.rawSql.map((reference) => reference.table), ['settings', 'audit_events']);
    assert.deepEqual(found.unresolved.map((reference) => `${reference.line}:${reference.table}`), ['12:someVariable']);
  });

  it('reads the tables a migration creates, through the builder and raw SQL', () => {
    const source = "await db.schema.createTable('a').execute();\nawait sql`create virtual table b_fts using fts5(text)`.execute(db);";
    assert.deepEqual(createdTables(source), ['a', 'b_fts']);
  });
});
