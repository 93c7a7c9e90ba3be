import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual, hashSecret } from '../../src/crypto/hash.js';

describe('hash', () => {
  it('compares equal and unequal strings of any length', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    for (const other of ['abd', 'ab', 'abcd', '', 'ABC']) assert.equal(constantTimeEqual('abc', other), false, other);
  });
  it('hashes to 64 hex characters', () => {
    assert.match(hashSecret('x'), /^[0-9a-f]{64}$/);
    assert.notEqual(hashSecret('x'), hashSecret('y'));
  });
});
