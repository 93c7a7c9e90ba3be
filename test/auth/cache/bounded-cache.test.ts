import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from '../../../src/auth/cache/bounded-cache.js';

describe('BoundedCache', () => {
  it('keeps at most maxEntries; without hits the oldest goes first, eviction after eviction', () => {
    const cache = new BoundedCache<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) cache.set(key, i);
    assert.equal(cache.size, 3);
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((key) => cache.peek(key)), [undefined, undefined, 2, 3, 4]);
  });

  it('gives a used entry a second chance: the oldest unused one goes instead', () => {
    const cache = new BoundedCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    assert.equal(cache.get('a'), 1);
    cache.set('d', 4);
    assert.equal(cache.peek('a'), 1, 'used: kept');
    assert.equal(cache.peek('b'), undefined, 'the oldest unused entry went');
    // peek does not count as a use.
    cache.peek('c');
    cache.set('e', 5);
    assert.equal(cache.peek('c'), undefined);
  });

  it('replaces a value as the newest entry, deletes, clears, and keeps nothing at size 0', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    assert.deepEqual([cache.peek('a'), cache.peek('b'), cache.peek('c')], [10, undefined, 3]);
    assert.equal(cache.delete('a'), true);
    assert.equal(cache.size, 1);
    cache.clear();
    assert.equal(cache.size, 0);
    cache.set('d', 4);
    cache.set('e', 5);
    cache.set('f', 6);
    assert.deepEqual([cache.peek('d'), cache.peek('e'), cache.peek('f')], [undefined, 5, 6], 'the hand starts over after a clear');
    const off = new BoundedCache<string, number>(0);
    off.set('a', 1);
    assert.equal(off.size, 0);
  });

  it('stays within its bound under churn, and keeps the entry that keeps being used', () => {
    const cache = new BoundedCache<number, number>(100);
    cache.set(-1, -1);
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i);
      assert.equal(cache.get(-1), -1);
      assert.ok(cache.size <= 100);
    }
    assert.equal(cache.peek(9_999), 9_999);
  });
});
