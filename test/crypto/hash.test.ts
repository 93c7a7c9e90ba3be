import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual, equalDigests, hashSecret } from '../../src/crypto/hash.js';

describe('hash', () => {
  it('compares equal and unequal strings of any length', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    for (const other of ['abd', 'ab', 'abcd', '', 'ABC']) assert.equal(constantTimeEqual('abc', other), false, other);
  });
  it('hashes to 64 hex characters', () => {
    assert.match(hashSecret('x'), /^[0-9a-f]{64}$/);
    assert.notEqual(hashSecret('x'), hashSecret('y'));
  });
  it('compares digests exactly: any other text, length, case or look-alike character is unequal', () => {
    const digest = hashSecret('key');
    assert.equal(equalDigests(digest, hashSecret('key')), true);
    const others = [
      hashSecret('other'),
      digest.toUpperCase(),
      digest.slice(0, 63),
      `${digest}0`,
      '',
      // Same string length, other bytes: a character that latin1 would fold onto another.
      `${digest.slice(0, 63)}\u0161`,
      `${digest.slice(0, 63)}${String.fromCharCode(digest.charCodeAt(63) + 256)}`,
    ];
    for (const other of others) assert.equal(equalDigests(digest, other), false, JSON.stringify(other));
  });
});
