import { randomBytes } from 'node:crypto';

/**
 * Identifiers that sort by creation time: a prefix, 10 characters of milliseconds and 16 random
 * characters, all in Crockford base32 (ULID's layout). Within one process ids created in the same
 * millisecond still increase, so "newest first" by (time, id) is creation order.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function nextRandom(ms: number): number[] {
  if (ms === lastTime) {
    // Increment the previous random part, base 32, so ids stay strictly increasing.
    const next = [...lastRandom];
    for (let i = next.length - 1; i >= 0; i--) {
      if (next[i]! < 31) {
        next[i]! += 1;
        break;
      }
      next[i] = 0;
    }
    lastRandom = next;
    return next;
  }
  const bytes = randomBytes(16);
  lastTime = ms;
  lastRandom = [...bytes].map((byte) => byte % 32);
  return lastRandom;
}

/**
 * Creates a new time-ordered id such as `thread_01jd2k...`.
 *
 * @example
 * createId('thread') // 'thread_0j7x0kz4m1a2b3c4d5e6f7g8h9'
 */
export function createId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${nextRandom(now).map((i) => ALPHABET[i]).join('')}`;
}

/** A random secret of `bytes` bytes, base64url (no padding). */
export function createSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
