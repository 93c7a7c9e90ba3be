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
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** Longest header we look at; longer ones are refused before any regex runs. */
export const MAX_AUTHORIZATION_LENGTH = 16 * 1024;

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
  const match = BEARER.exec(headerValue);
  if (match === null) {
    throw new TokenInvalid({ message: 'The Authorization header must be "Bearer <token>".' });
  }
  return match[1]!;
}
