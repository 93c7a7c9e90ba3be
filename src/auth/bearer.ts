/**
 * Extracts the token from an `Authorization: Bearer <token>` header (RFC 6750 §2.1). The one place
 * that parses this header: hono's jwt.ts and jwk.ts each carry a copy; we keep one.
 */
import { TokenInvalid } from '../errors.js';

/**
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, where
 * `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (the token68 of
 * RFC 7235 §2.1). The scheme is case-insensitive (RFC 7235 §2.1). We accept exactly one space,
 * as every client sends, and nothing after the token.
 */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** `bearer` in ASCII, compared case-insensitively by char code (the scheme, RFC 7235 §2.1). */
const SCHEME = [0x62, 0x65, 0x61, 0x72, 0x65, 0x72];

/** `Bearer ` at the start, any ASCII case, exactly one space after it. */
function startsWithBearer(value: string): boolean {
  if (value.length < 8 || value.charCodeAt(6) !== 0x20) return false;
  // `| 0x20` maps A-Z onto a-z and nothing else onto these six letters.
  for (let i = 0; i < 6; i++) if ((value.charCodeAt(i) | 0x20) !== SCHEME[i]) return false;
  return true;
}

/** Longest header we look at; longer ones are refused before any regex runs. */
export const MAX_AUTHORIZATION_LENGTH = 16 * 1024;

/**
 * Whether `text` is a bearer token as `Authorization: Bearer` may carry it (RFC 6750 b64token) and
 * no longer than that header may be: the rule for a token sent in any other header too.
 *
 * @example
 * isBearerToken('eyJhbGciOi.eyJzdWIi.c2ln') // true
 * isBearerToken('two words')                // false
 */
export function isBearerToken(text: string): boolean {
  return text.length <= MAX_AUTHORIZATION_LENGTH && TOKEN68.test(text);
}

/**
 * Returns the bearer token of an `Authorization` header value; `undefined` when there is no header
 * (no credential is not a failure: a public route simply has no principal). Throws `TokenInvalid`
 * when the header is present but is not `Bearer <token68>` (another scheme, two spaces, a comma,
 * control characters, an empty token...).
 *
 * Does not check what the token is: that is the job of the verifier chosen for it.
 *
 * @example
 * extractBearer('Bearer eyJhbGciOi...') // 'eyJhbGciOi...'
 * extractBearer(undefined)              // undefined
 * extractBearer('Basic dXNlcjpwYXNz')   // throws TokenInvalid
 */
export function extractBearer(headerValue: string | undefined | null): string | undefined {
  if (headerValue === undefined || headerValue === null) return undefined;
  if (headerValue.length > MAX_AUTHORIZATION_LENGTH) {
    throw new TokenInvalid({ message: 'The Authorization header is too long.', detail: `length ${headerValue.length}` });
  }
  // The scheme by char code and the token with a case-sensitive regex: the same rule as
  // /^Bearer (token68)$/i, without case-folding a long token character by character.
  const token = headerValue.slice(7);
  if (!startsWithBearer(headerValue) || !TOKEN68.test(token)) {
    throw new TokenInvalid({ message: 'The Authorization header must be "Bearer <token>".' });
  }
  return token;
}
