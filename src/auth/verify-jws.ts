/**
 * Verifies a compact JWS with algorithms fixed by the caller (RFC 8725 §3.1: never taken from the
 * token) and a key chosen by our own resolver. Strict parsing comes first ({@link parseCompactJws});
 * jose then checks the signature over the exact text we parsed. Every credential path that carries
 * a JWS (workspace tokens, and later HS256 user tokens and identity-provider tokens) goes through
 * here, so the algorithm rules live in one place.
 */
import { compactVerify, errors as joseErrors, type CryptoKey } from 'jose';
import type { KeyObject } from 'node:crypto';
import { SignatureInvalid, ThreadgateError, TokenInvalid } from '../errors.js';
import { parseCompactJws, type CompactJws, type JwsHeader } from './jwt-strict.js';
import { traceStep } from './trace.js';

/** A verification key and the one algorithm it may verify. */
export interface ResolvedKey {
  key: CryptoKey | KeyObject | Uint8Array;
  algorithm: string;
}

/**
 * Finds the key for a header (by `kid`), jose's `createLocalJWKSet` idea. Throws `UnknownKeyId`
 * when there is none. Never uses `jku`, `x5u`, `jwk` or `x5c` from the header.
 */
export type KeyResolver = (header: JwsHeader) => Promise<ResolvedKey>;

export interface VerifyJwsOptions {
  /** The algorithms this credential source accepts, e.g. `['ES256']`. Never `none`. */
  algorithms: readonly string[];
  resolveKey: KeyResolver;
}

/**
 * Maps a jose failure to our error codes; anything that is not a jose error (a bug, a broken key)
 * is returned unchanged so it surfaces as a server error rather than as a bad credential.
 *
 * @example
 * try { await compactVerify(token, key) } catch (error) { throw mapJoseError(error) }
 */
export function mapJoseError(error: unknown): unknown {
  if (error instanceof ThreadgateError) return error;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new SignatureInvalid({ cause: error });
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new TokenInvalid({ detail: 'algorithm not allowed', cause: error });
  if (error instanceof joseErrors.JOSEError) return new TokenInvalid({ detail: error.code, cause: error });
  return error;
}

/**
 * Parses `token` strictly, checks its `alg` against `algorithms` and against the algorithm of the
 * key the resolver returns, then verifies the signature. Returns the parsed JWS. Throws
 * `TokenInvalid` (malformed, algorithm not allowed), `UnknownKeyId` (from the resolver) or
 * `SignatureInvalid`.
 *
 * Does not interpret the payload: JWT claims are the caller's (see `parseStrictJwt`).
 *
 * @example
 * const jws = await verifyCompactJws(token, { algorithms: ['ES256'], resolveKey: keyring.resolveKey })
 */
export async function verifyCompactJws(token: string, options: VerifyJwsOptions): Promise<CompactJws> {
  if (options.algorithms.length === 0 || options.algorithms.some((alg) => alg.toLowerCase() === 'none')) {
    throw new TypeError('verifyCompactJws: algorithms must list real signature algorithms');
  }
  const jws = parseCompactJws(token);
  // Compared exactly: "none", "None", "NONE", "HS256" for an ES256 source... are all refused here.
  const algorithmAllowed = options.algorithms.includes(jws.header.alg);
  traceStep('algorithm allowed', algorithmAllowed, `${jws.header.alg.slice(0, 32)} (accepted: ${options.algorithms.join(', ')})`);
  if (!algorithmAllowed) {
    throw new TokenInvalid({ message: 'The token is signed with an algorithm that is not accepted here.', detail: `alg ${jws.header.alg.slice(0, 32)}` });
  }
  let resolved: ResolvedKey;
  try {
    resolved = await options.resolveKey(jws.header);
  } catch (error) {
    traceStep('signing key found', false, `kid ${String(jws.header.kid ?? '(none)').slice(0, 64)}`);
    throw error;
  }
  traceStep('signing key found', true, `kid ${String(jws.header.kid ?? '(none)').slice(0, 64)}`);
  if (resolved.algorithm !== jws.header.alg || !options.algorithms.includes(resolved.algorithm)) {
    throw new TokenInvalid({ message: 'The token is signed with an algorithm that is not accepted here.', detail: 'alg does not match the key' });
  }
  try {
    await compactVerify(token, resolved.key, { algorithms: [resolved.algorithm] });
  } catch (error) {
    traceStep('signature valid', false);
    throw mapJoseError(error);
  }
  traceStep('signature valid', true);
  return jws;
}
