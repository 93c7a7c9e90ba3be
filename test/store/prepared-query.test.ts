/**
 * prepareQuery: the SQL and parameters it compiles are the builder's own, each run gets its own
 * parameters, and every way of building a query it cannot fill in safely fails when prepared.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { prepareQuery } from '../../src/store/prepared-query.js';

interface Db {
  items: { id: string; owner: string; label: string | null; rank: number; updated_at: number };
}

/** A Kysely that compiles for `dialect` and runs nothing. */
function compileOnly(dialect: 'sqlite' | 'postgres'): Kysely<Db> {
  const pg = dialect === 'postgres';
  return new Kysely<Db>({
    dialect: {
      createAdapter: () => (pg ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (pg ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (pg ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}

/** An in-memory SQLite database with the `items` table. */
async function sqliteDb(): Promise<Kysely<Db>> {
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  await sql`create table items (id text primary key, owner text not null, label text, rank integer not null, updated_at integer not null)`.execute(db);
  return db;
}

type Item = Db['items'];

const queries = (db: Kysely<Db>) => ({
  insert: prepareQuery((row: Item) =>
    db.insertInto('items').values({ id: row.id, owner: row.owner, label: row.label, rank: row.rank, updated_at: row.updated_at }),
  ),
  // `now` bound twice.
  touch: prepareQuery((p: { owner: string; now: number }) =>
    db.updateTable('items').set({ updated_at: p.now, rank: p.now }).where('owner', '=', p.owner).returning(['id', 'rank']),
  ),
  // The limit is a constant slot after the parameters.
  firstOf: prepareQuery((p: { owner: string; label: string }) =>
    db.selectFrom('items').select(['id', 'rank']).where('owner', '=', p.owner).where('label', '=', p.label).orderBy('id', 'desc').limit(1),
  ),
});

describe('prepareQuery', () => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`${dialect} – compiles to the builder's SQL, and fills in the builder's parameters in Kysely's order`, () => {
      const db = compileOnly(dialect);
      const { insert, touch, firstOf } = queries(db);
      const row: Item = { id: 'a', owner: 'o', label: null, rank: 3, updated_at: 9 };
      const pairs = [
        [insert.compile(row), db.insertInto('items').values(row).compile()],
        [touch.compile({ owner: 'o', now: 7 }), db.updateTable('items').set({ updated_at: 7, rank: 7 }).where('owner', '=', 'o').returning(['id', 'rank']).compile()],
        [
          firstOf.compile({ owner: 'o', label: 'l' }),
          db.selectFrom('items').select(['id', 'rank']).where('owner', '=', 'o').where('label', '=', 'l').orderBy('id', 'desc').limit(1).compile(),
        ],
      ] as const;
      for (const [prepared, built] of pairs) {
        assert.equal(prepared.sql, built.sql);
        assert.deepEqual(prepared.parameters, built.parameters, built.sql);
        assert.equal(prepared.query.kind, built.query.kind);
      }
      assert.deepEqual(touch.slots, ['now', 'now', 'owner']);
      assert.deepEqual(firstOf.slots, ['owner', 'label', undefined], 'the limit is a constant slot');
      assert.deepEqual(insert.slots, ['id', 'owner', 'label', 'rank', 'updated_at']);
    });
  }

  it('gives every compile its own frozen query and parameter list; nothing carries over between calls', () => {
    const { firstOf } = queries(compileOnly('postgres'));
    const first = firstOf.compile({ owner: 'o1', label: 'l1' });
    const second = firstOf.compile({ owner: 'o2', label: 'l2' });
    assert.ok(Object.isFrozen(first));
    assert.notEqual(first.parameters, second.parameters);
    assert.deepEqual(first.parameters, ['o1', 'l1', 1]);
    assert.deepEqual(second.parameters, ['o2', 'l2', 1]);
    // Even a driver that scribbled on the list it was given would not change the next run.
    (first.parameters as unknown[]).fill('scribbled');
    assert.deepEqual(firstOf.compile({ owner: 'o3', label: 'l3' }).parameters, ['o3', 'l3', 1]);
    assert.equal(first.sql, firstOf.sql);
  });

  it('refuses an undefined parameter at run time (Kysely would have built another query)', () => {
    const { insert } = queries(compileOnly('sqlite'));
    const row = { id: 'a', owner: 'o', label: undefined, rank: 1, updated_at: 1 } as unknown as Item;
    assert.throws(() => insert.compile(row), { name: 'TypeError', message: /parameter "label" is undefined/ });
    assert.throws(() => insert.compile({} as Item), { name: 'TypeError', message: /parameter "id" is undefined/ });
  });

  it('refuses, when preparing, every build that would bake a placeholder into the SQL or lose it', () => {
    const db = compileOnly('postgres');
    type P = { owner: string; rank: number };
    const primitive = /was used as a primitive/;
    const wholeObject = /cannot be enumerated, spread or tested/;
    const hostile: [string, (p: P) => { compile(): unknown }, RegExp][] = [
      ['arithmetic', (p) => db.selectFrom('items').select('id').where('rank', '=', p.rank + 1), primitive],
      ['a template string', (p) => db.selectFrom('items').select('id').where('owner', '=', `${p.owner}!`), primitive],
      ['string concatenation', (p) => db.selectFrom('items').select('id').where('owner', '=', 'x' + p.owner), primitive],
      ['sql.lit', (p) => db.selectFrom('items').select('id').where('owner', '=', sql.lit(p.owner)), primitive],
      ['sql.raw', (p) => db.selectFrom('items').select('id').where(sql.raw<boolean>(p.owner)), primitive],
      ['read but not bound', (p) => (void p.rank, db.selectFrom('items').select('id').where('owner', '=', p.owner)), /parameter "rank" was read but Kysely bound it to no slot/],
      ['spread', (p) => db.updateTable('items').set({ ...p }).where('id', '=', 'x'), wholeObject],
      ['the whole object as a row', (p) => db.insertInto('items').values(p as unknown as Item), wholeObject],
      ['tested with in', (p) => db.selectFrom('items').select('id').where('owner', '=', 'owner' in p ? p.owner : 'none'), wholeObject],
    ];
    for (const [what, build, message] of hostile) {
      assert.throws(() => prepareQuery(build as (p: P) => never), { name: 'TypeError', message }, what);
    }
  });

  it('runs on SQLite and in a transaction, with results in the builder\'s shape, hostile strings kept verbatim', async () => {
    const db = await sqliteDb();
    try {
      const { insert, touch, firstOf } = queries(db);
      const hostile = ["'; drop table items; --", '?', '$1', '?1', ':owner', '"', '\\', '\u0000', '😀'];
      await db.transaction().execute(async (trx) => {
        for (const [i, label] of hostile.entries()) {
          const result = await insert.execute(trx, { id: `i${i}`, owner: label, label, rank: i, updated_at: 0 });
          assert.deepEqual(result.rows, []);
        }
      });
      const stored = await db.selectFrom('items').select(['owner', 'label']).orderBy('rank').execute();
      assert.deepEqual(stored, hostile.map((label) => ({ owner: label, label })));
      for (const [i, label] of hostile.entries()) {
        const { rows } = await firstOf.execute(db, { owner: label, label });
        const built = await db.selectFrom('items').select(['id', 'rank']).where('owner', '=', label).where('label', '=', label).orderBy('id', 'desc').limit(1).execute();
        assert.deepEqual(rows, built);
        assert.deepEqual(rows, [{ id: `i${i}`, rank: i }]);
      }
      assert.deepEqual((await touch.execute(db, { owner: '?', now: 42 })).rows, [{ id: 'i1', rank: 42 }]);
      assert.deepEqual((await firstOf.execute(db, { owner: 'nobody', label: '?' })).rows, []);
    } finally {
      await db.destroy();
    }
  });

  it('keeps concurrent runs apart: each gets its own values', async () => {
    const db = await sqliteDb();
    try {
      const { insert, firstOf } = queries(db);
      const ids = Array.from({ length: 200 }, (_, i) => `c${i}`);
      await Promise.all(ids.map((id, i) => insert.execute(db, { id, owner: `o${i % 7}`, label: id, rank: i, updated_at: i })));
      const found = await Promise.all(ids.map((id, i) => firstOf.execute(db, { owner: `o${i % 7}`, label: id })));
      assert.deepEqual(found.map((result) => result.rows), ids.map((id, i) => [{ id, rank: i }]));
    } finally {
      await db.destroy();
    }
  });

  it('types the parameters from the builder', () => {
    const { touch } = queries(compileOnly('sqlite'));
    const check = () => {
      // @ts-expect-error a parameter is missing
      touch.compile({ owner: 'o' });
      // @ts-expect-error a parameter has the wrong type
      touch.compile({ owner: 'o', now: '7' });
    };
    assert.equal(typeof check, 'function');
  });
});
