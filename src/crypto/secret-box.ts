import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts secrets at rest (signing keys, authentication keys) with the server's master key:
 * AES-256-GCM, a fresh 96-bit nonce per message (NIST SP 800-38D §8.2.2), and an associated
 * `purpose` string so a ciphertext made for one purpose cannot be swapped into another column.
 *
 * Format: `v1.<nonce>.<ciphertext>.<tag>`, each part base64url.
 */
export interface SecretBox {
  seal(plaintext: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
}

/**
 * @example
 * const box = createSecretBox(masterKey)
 * box.open(box.seal('hello', 'signing-key'), 'signing-key') // 'hello'
 */
export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new TypeError('the master key must be 32 bytes');
  const key = Buffer.from(masterKey);
  return {
    seal(plaintext, purpose) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', nonce, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, purpose) {
      const [version, nonce, ciphertext, tag] = sealed.split('.');
      if (version !== 'v1' || nonce === undefined || ciphertext === undefined || tag === undefined) {
        throw new Error('not a sealed secret');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      // A wrong master key or a tampered value fails here ("Unsupported state or unable to authenticate data").
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
