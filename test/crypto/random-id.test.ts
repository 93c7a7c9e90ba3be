import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createId, createSecret } from '../../src/crypto/random-id.js';

describe('random ids', () => {
  it('increase strictly, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => createId('msg', 1_700_000_000_000));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(createId('msg', 1_700_000_000_001) > ids.at(-1)!);
  });

  it('sort by time across milliseconds', () => {
    assert.ok(createId('t', 1000) < createId('t', 2000));
    assert.match(createId('thread'), /^thread_[0-9a-z]{26}$/);
  });

  it('makes secrets of the requested entropy', () => {
    assert.equal(Buffer.from(createSecret(32), 'base64url').length, 32);
    assert.notEqual(createSecret(), createSecret());
  });
});
