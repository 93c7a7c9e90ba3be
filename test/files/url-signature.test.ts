import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createUrlSigner } from '../../src/files/url-signature.js';
import { ThreadgateError } from '../../src/errors.js';

const refused = (code: string) => (error: unknown) => error instanceof ThreadgateError && error.code === code;

describe('signed file URLs', () => {
  const key = randomBytes(32);
  const signer = createUrlSigner(key);
  const query = (text: string) => Object.fromEntries(new URLSearchParams(text));

  it('accept what they signed until it expires', () => {
    const q = query(signer.sign('PUT', 'k/e/y', 1000));
    signer.verify('PUT', 'k/e/y', q, 999);
    assert.throws(() => signer.verify('PUT', 'k/e/y', q, 1000), refused('signed_url_expired'));
  });

  it('refuse another method, key, expiry or master key, and malformed values', () => {
    const q = query(signer.sign('PUT', 'k/e/y', 1000));
    assert.throws(() => signer.verify('GET', 'k/e/y', q, 0), refused('invalid_signed_url'));
    assert.throws(() => signer.verify('PUT', 'k/e/z', q, 0), refused('invalid_signed_url'));
    assert.throws(() => signer.verify('PUT', 'k/e/y', { ...q, expires: '1001' }, 0), refused('invalid_signed_url'));
    assert.throws(() => createUrlSigner(randomBytes(32)).verify('PUT', 'k/e/y', q, 0), refused('invalid_signed_url'));
    for (const bad of [{}, { expires: '1000' }, { signature: q.signature }, { ...q, expires: '1e3' }, { ...q, expires: 'Infinity' }, { ...q, signature: `${q.signature}=` }, { ...q, signature: q.signature!.slice(1) }]) {
      assert.throws(() => signer.verify('PUT', 'k/e/y', bad, 0), refused('invalid_signed_url'), JSON.stringify(bad));
    }
  });

  it('an expired URL with a wrong signature says invalid, not expired', () => {
    assert.throws(() => signer.verify('PUT', 'k', { expires: '1', signature: 'A'.repeat(43) }, 5), refused('invalid_signed_url'));
  });
});
