/**
 * Strict parsing of compact JWS / JWT (SPEC section 8), done by us before any signature check,
 * because libraries are lenient on some of it (padding, duplicate members, `1e400`):
 *
 * - compact serialization only: exactly three base64url parts, no padding, no whitespace, no other
 *   alphabet, and the canonical encoding (no stray bits in the last character);
 * - a size limit ({@link MAX_TOKEN_LENGTH});
 * - header and claims are JSON objects with no duplicate members (RFC 7515 §5.2, RFC 7519 §4);
 * - `alg` is a string; `crit` is refused, since we understand no extension (RFC 7515 §4.1.11), and
 *   so is `b64` (RFC 7797 unencoded payloads);
 * - `exp` is required; `exp`, `nbf`, `iat` are finite numbers (`1e400` parses as Infinity);
 *   `sub` is a non-empty string; `iss`, `aud`, `jti` have their RFC 7519 types.
 *
 * Keys named in the header (`jku`, `x5u`, `jwk`, `x5c`) are never fetched or used by anything in
 * Threadgate: the key always comes from our own key resolver, chosen by `kid`.
 */
import { ClaimMismatch, TokenExpired, TokenInvalid, TokenNotYetValid } from '../errors.js';
import { parseStrictJsonObject } from './strict-json.js';
import { traceStep } from './trace.js';

/** Longest token we parse, in characters (8 KiB). Our own tokens are well under 1 KiB. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** A protected header as we accept it: `alg` is always a string. */
export interface JwsHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

export interface CompactJws {
  header: JwsHeader;
  /** The decoded payload bytes (not interpreted). */
  payload: Uint8Array;
  /** `base64url(header) + "." + base64url(payload)`: the bytes the signature covers. */
  signingInput: string;
  signature: Uint8Array;
}

/** Registered claims with their RFC 7519 types, as {@link parseStrictJwt} guarantees them. */
export interface JwtClaims {
  iss?: string;
  sub: string;
  aud?: string | string[];
  exp: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [name: string]: unknown;
}

export interface StrictJwt {
  header: JwsHeader;
  payload: JwtClaims;
  signingInput: string;
  signature: Uint8Array;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes one base64url part strictly: the RFC 7515 §2 alphabet without padding, and only the
 * canonical spelling (re-encoding gives the same text, so no two strings decode to the same bytes).
 */
function decodePart(part: string, name: string, allowEmpty = false): Uint8Array {
  if (part.length === 0) {
    if (allowEmpty) return new Uint8Array(0);
    throw new TokenInvalid({ detail: `empty ${name}` });
  }
  if (!BASE64URL.test(part) || part.length % 4 === 1) {
    throw new TokenInvalid({ detail: `${name} is not base64url without padding` });
  }
  // Canonical: the bits of the last character beyond the decoded bytes are zero (RFC 4648 §3.5),
  // which is exactly when re-encoding gives the same text back (the alphabet and length are
  // checked above). 2 leftover characters carry 4 stray bits, 3 carry 2.
  const leftover = part.length % 4;
  if (leftover !== 0 && (BASE64URL_VALUE[part.charCodeAt(part.length - 1)]! & (leftover === 2 ? 0x0f : 0x03)) !== 0) {
    throw new TokenInvalid({ detail: `${name} is not canonical base64url` });
  }
  const bytes = Buffer.from(part, 'base64url');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The 6-bit value of each base64url character by its char code (others are refused before use). */
const BASE64URL_VALUE = (() => {
  const values = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  return values;
})();

function decodeJsonObject(bytes: Uint8Array, name: string): Record<string, unknown> {
  try {
    return parseStrictJsonObject(UTF8.decode(bytes));
  } catch (error) {
    throw new TokenInvalid({ detail: `${name}: ${(error as Error).message}` });
  }
}

/**
 * Parses a compact JWS strictly, without checking its signature and without interpreting the
 * payload. Throws `TokenInvalid` (code `invalid_token`) on anything malformed.
 *
 * Does not check `alg` against an allow-list: the verifier does, with algorithms fixed by the
 * credential source, never taken from the token.
 *
 * @example
 * const { header, payload, signingInput, signature } = parseCompactJws(token)
 */
export function parseCompactJws(token: string): CompactJws {
  if (typeof token !== 'string' || token.length === 0) throw new TokenInvalid({ detail: 'empty token' });
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TokenInvalid({ message: 'The token is too long.', detail: `length ${token.length}` });
  }
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenInvalid({ detail: `${parts.length} parts instead of 3` });
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeJsonObject(decodePart(encodedHeader, 'header'), 'header');
  // RFC 7515 allows an empty payload; a JWT never has one (its claims must be a JSON object).
  const payload = decodePart(encodedPayload, 'payload', true);
  const signature = decodePart(encodedSignature, 'signature');

  if (typeof header.alg !== 'string' || header.alg === '') throw new TokenInvalid({ detail: 'alg is not a string' });
  // RFC 7515 §4.1.11: a recipient that does not understand a listed extension MUST reject the JWS.
  // We understand none, so any `crit` (even an empty list, which §4.1.11 forbids) is refused.
  if ('crit' in header) throw new TokenInvalid({ detail: 'crit header is not supported' });
  // RFC 7797: `b64: false` changes what the signature covers; we never accept it (nor `b64: true`).
  if ('b64' in header) throw new TokenInvalid({ detail: 'b64 header is not supported' });
  if ('kid' in header && (typeof header.kid !== 'string' || header.kid === '')) {
    throw new TokenInvalid({ detail: 'kid is not a non-empty string' });
  }
  if ('typ' in header && typeof header.typ !== 'string') throw new TokenInvalid({ detail: 'typ is not a string' });
  // A slice of the token, not a concatenation: one flat string that the signature check reads as is.
  const signingInput = token.slice(0, encodedHeader.length + 1 + encodedPayload.length);
  return Object.freeze({ header: Object.freeze(header) as JwsHeader, payload, signingInput, signature });
}

/** A compact JWS parsed strictly with its payload as a JSON object: what {@link parseJwsClaims} returns. */
export interface ParsedJws {
  jws: CompactJws;
  /** The payload as a JSON object without duplicate members; no claim checked yet. */
  claims: Readonly<Record<string, unknown>>;
}

/**
 * {@link parseCompactJws}, then the payload as a JSON object without duplicate members (RFC 7519
 * §7.2 step 10). Throws `TokenInvalid` when either is malformed. Does not check any claim: see
 * {@link checkStrictJwt}. The authenticator parses a token once with this and hands the result
 * down to the credential path that verifies it.
 *
 * @example
 * const parsed = parseJwsClaims(token)
 * parsed.claims.iss // unverified, unchecked
 */
export function parseJwsClaims(token: string): ParsedJws {
  const jws = parseCompactJws(token);
  return { jws, claims: Object.freeze(decodeJsonObject(jws.payload, 'payload')) };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Parses a compact JWT strictly: {@link parseCompactJws}, then the claims set as a JSON object
 * without duplicate members and with typed registered claims. Throws `TokenInvalid` when malformed
 * and `ClaimMismatch` (code `invalid_claims`, naming the claim) when a claim is missing or of the
 * wrong type.
 *
 * Does not check the signature, the times (see {@link checkJwtTimes}, which runs after the
 * signature so an unsigned token learns nothing), nor `iss`/`aud` values.
 *
 * @example
 * const { header, payload } = parseStrictJwt(token)
 * payload.sub // a non-empty string
 * payload.exp // a finite number
 */
export function parseStrictJwt(token: string | ParsedJws): StrictJwt {
  return checkStrictJwt(typeof token === 'string' ? parseJwsClaims(token) : token);
}

/**
 * The registered claims of a token parsed by {@link parseJwsClaims}, checked as
 * {@link parseStrictJwt} checks them. Throws `ClaimMismatch` naming the claim.
 *
 * @example
 * const { header, payload } = checkStrictJwt(parseJwsClaims(token))
 */
export function checkStrictJwt(parsed: ParsedJws): StrictJwt {
  const { jws, claims: payload } = parsed;
  if (!('exp' in payload)) throw new ClaimMismatch('exp', { detail: 'exp is missing' });
  if (!isFiniteNumber(payload.exp)) throw new ClaimMismatch('exp', { detail: 'exp is not a finite number' });
  for (const claim of ['nbf', 'iat'] as const) {
    if (claim in payload && !isFiniteNumber(payload[claim])) {
      throw new ClaimMismatch(claim, { detail: `${claim} is not a finite number` });
    }
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new ClaimMismatch('sub', { detail: 'sub is not a non-empty string' });
  }
  for (const claim of ['iss', 'jti'] as const) {
    if (claim in payload && typeof payload[claim] !== 'string') {
      throw new ClaimMismatch(claim, { detail: `${claim} is not a string` });
    }
  }
  if ('aud' in payload) {
    const aud = payload.aud;
    const ok = typeof aud === 'string' || (Array.isArray(aud) && aud.every((item) => typeof item === 'string'));
    if (!ok) throw new ClaimMismatch('aud', { detail: 'aud is not a string or a list of strings' });
  }
  return { header: jws.header, payload: payload as JwtClaims, signingInput: jws.signingInput, signature: jws.signature };
}

export interface TimeCheckOptions {
  /** Now, in seconds since the epoch (may have a fraction). */
  nowSeconds: number;
  /** Allowed clock skew in seconds, both ways (config.clockToleranceSeconds). */
  clockToleranceSeconds: number;
}

/**
 * Checks `exp`, `nbf` and `iat` against the clock, with the configured skew (RFC 7519 §4.1.4,
 * §4.1.5; RFC 8725 §3.10). Expired → `TokenExpired`; `nbf` in the future → `TokenNotYetValid`;
 * `iat` in the future → `ClaimMismatch('iat')`.
 *
 * Does not check types: call it on claims from {@link parseStrictJwt}.
 *
 * @example
 * checkJwtTimes(payload, { nowSeconds: Date.now() / 1000, clockToleranceSeconds: 30 })
 */
export function checkJwtTimes(payload: JwtClaims, options: TimeCheckOptions): void {
  const { nowSeconds, clockToleranceSeconds } = options;
  const expired = payload.exp <= nowSeconds - clockToleranceSeconds;
  traceStep('not expired (exp)', !expired, () => `exp ${new Date(payload.exp * 1000).toISOString()}, skew ${clockToleranceSeconds} s`);
  if (expired) throw new TokenExpired();
  if (payload.nbf !== undefined) {
    const early = payload.nbf > nowSeconds + clockToleranceSeconds;
    traceStep('valid yet (nbf)', !early, () => `nbf ${new Date(payload.nbf! * 1000).toISOString()}`);
    if (early) throw new TokenNotYetValid();
  }
  if (payload.iat !== undefined) {
    const future = payload.iat > nowSeconds + clockToleranceSeconds;
    traceStep('issued in the past (iat)', !future, () => `iat ${new Date(payload.iat! * 1000).toISOString()}`);
    if (future) throw new ClaimMismatch('iat', { detail: 'iat is in the future' });
  }
}
