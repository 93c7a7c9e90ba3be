/**
 * Signed file URLs of the local blob store: `?expires=<unix seconds>&signature=<base64url>`,
 * the signature HMAC-SHA256 over `<METHOD>\n<key>\n<expires>` with a key derived from the master
 * key (HKDF-SHA256, RFC 5869, info `threadgate file urls v1`), so every process sharing the master
 * key checks every other's URLs and nothing else needs storing. Compared in constant time
 * (`timingSafeEqual`); the method is signed, so an upload URL cannot download and the other way
 * round.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { ThreadgateError } from '../errors.js';

export interface UrlSigner {
  /** The query string (without `?`) that makes `method` on `key` valid until `expiresAt` (unix seconds). */
  sign(method: 'GET' | 'PUT', key: string, expiresAt: number): string;
  /**
   * Throws `invalid_signed_url` for a missing or wrong signature, `signed_url_expired` once
   * `expires` has passed (`now` in unix seconds). Does not check that the key names a file.
   */
  verify(method: 'GET' | 'PUT', key: string, query: { expires?: string | undefined; signature?: string | undefined }, now: number): void;
}

/**
 * @example
 * const signer = createUrlSigner(masterKey)
 * const query = signer.sign('PUT', key, Math.floor(Date.now() / 1000) + 300)
 */
export function createUrlSigner(masterKey: Buffer): UrlSigner {
  const secret = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'threadgate file urls v1', 32));
  const mac = (method: string, key: string, expires: string) => createHmac('sha256', secret).update(`${method}\n${key}\n${expires}`).digest();
  return {
    sign(method, key, expiresAt) {
      const expires = String(Math.floor(expiresAt));
      return `expires=${expires}&signature=${mac(method, key, expires).toString('base64url')}`;
    },
    verify(method, key, query, now) {
      const { expires, signature } = query;
      if (expires === undefined || signature === undefined || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) {
        throw new ThreadgateError('invalid_signed_url');
      }
      if (!timingSafeEqual(Buffer.from(signature, 'base64url'), mac(method, key, expires))) throw new ThreadgateError('invalid_signed_url');
      // Checked after the signature, so an unsigned expiry cannot be probed.
      if (Number(expires) <= now) throw new ThreadgateError('signed_url_expired');
    },
  };
}
