import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { withStatementCache } from '../../../src/store/sqlite/statement-cache.js';

describe('SQLite statement cache', () => {
  it('compiles each SQL text once and gives the same statement back', () => {
    const db = new BetterSqlite3(':memory:');
    let compiled = 0;
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      compiled++;
      return prepare(sql);
    }) as typeof db.prepare;
    const cached = withStatementCache(db);
    cached.prepare('create table t (x integer)').run([]);
    const insert = cached.prepare('insert into t (x) values (?)');
    for (let i = 0; i < 5; i++) assert.equal(cached.prepare('insert into t (x) values (?)'), insert);
    for (let i = 0; i < 5; i++) insert.run([i]);
    assert.deepEqual(cached.prepare('select count(*) as n from t').all([]), [{ n: 5 }]);
    assert.equal(compiled, 3);
    cached.close();
  });

  it('never hands out a statement that is still being iterated', () => {
    const cached = withStatementCache(new BetterSqlite3(':memory:'));
    cached.prepare('create table t (x integer)').run([]);
    for (let i = 0; i < 3; i++) cached.prepare('insert into t (x) values (?)').run([i]);
    const select = 'select x from t order by x';
    const outer = cached.prepare(select);
    const seen: Array<[number, number]> = [];
    for (const row of outer.iterate([]) as Iterable<{ x: number }>) {
      const inner = cached.prepare(select);
      assert.notEqual(inner, outer, 'a busy statement is not reused');
      seen.push([row.x, (inner.all([]) as unknown[]).length]);
    }
    assert.deepEqual(seen, [[0, 3], [1, 3], [2, 3]]);
    cached.close();
  });

  it('keeps at most the bound, oldest out first', () => {
    const cached = withStatementCache(new BetterSqlite3(':memory:'), 3);
    const first = cached.prepare('select 1');
    for (const n of [2, 3, 4]) cached.prepare(`select ${n}`);
    assert.notEqual(cached.prepare('select 1'), first, 'select 1 was evicted and compiled again');
    assert.deepEqual(cached.prepare('select 4').all([]), [{ 4: 4 }]);
    cached.close();
  });

  it('picks up a schema change (a migration) in a cached statement', () => {
    const cached = withStatementCache(new BetterSqlite3(':memory:'));
    cached.prepare('create table t (x integer)').run([]);
    const select = cached.prepare('select * from t');
    cached.prepare('alter table t add column y text').run([]);
    cached.prepare("insert into t (x, y) values (1, 'a')").run([]);
    assert.deepEqual(cached.prepare('select * from t').all([]), [{ x: 1, y: 'a' }]);
    assert.equal(cached.prepare('select * from t'), select);
    cached.close();
  });
});
