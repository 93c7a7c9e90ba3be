import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../src/crypto/secret-box.js';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const sealed = box.seal('the private key', 'signing-key');
    assert.ok(!sealed.includes('the private key'));
    assert.equal(box.open(sealed, 'signing-key'), 'the private key');
    assert.notEqual(box.seal('same', 'p'), box.seal('same', 'p'), 'a fresh nonce each time');
  });

  it('refuses another purpose, another master key and any tampering', () => {
    const sealed = box.seal('secret', 'signing-key');
    assert.throws(() => box.open(sealed, 'auth-key'));
    assert.throws(() => createSecretBox(randomBytes(32)).open(sealed, 'signing-key'));
    const parts = sealed.split('.');
    for (let i = 1; i < parts.length; i++) {
      const tampered = [...parts];
      const bytes = Buffer.from(tampered[i]!, 'base64url');
      bytes[0]! ^= 1;
      tampered[i] = bytes.toString('base64url');
      assert.throws(() => box.open(tampered.join('.'), 'signing-key'), `part ${i}`);
    }
    assert.throws(() => box.open('v2.a.b.c', 'signing-key'));
  });

  it('refuses a master key that is not 32 bytes', () => {
    assert.throws(() => createSecretBox(randomBytes(16)), TypeError);
  });
});
