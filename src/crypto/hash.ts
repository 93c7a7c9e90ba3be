import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256 of a high-entropy secret (API key, refresh token), hex. Such secrets carry 256 random
 * bits, so a fast hash is the right tool (a password hash would only slow every request).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares two strings in time that depends only on their length, never on where they differ.
 * Both sides are hashed first so that inputs of different lengths take the same path.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
