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

/**
 * Compares two digests (e.g. two SHA-256 hex strings) in time that depends only on their length.
 * A digest's length is public (64 hex characters for SHA-256), so unlike {@link constantTimeEqual}
 * this does not hash both sides first: use it only where both sides are digests, never to compare
 * a presented secret with a stored one.
 *
 * @example
 * equalDigests(record.keyHash, hashSecret(key)) // true when they are the same digest
 */
export function equalDigests(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
