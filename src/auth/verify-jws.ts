/**
 * Verifies a compact JWS with algorithms fixed by the caller (RFC 8725 §3.1: never taken from the
 * token) and a key chosen by our own resolver. Strict parsing comes first ({@link parseCompactJws});
 * then the signature is checked over the exact bytes we parsed, synchronously with node:crypto
 * (jws-signature.ts; jose's WebCrypto path was slower: docs/benchmarks.md, change 8). Every credential path that
 * carries a JWS (workspace tokens, HS256 user tokens, identity-provider tokens) goes through here,
 * so the algorithm rules live in one place.
 */
import type { CryptoKey } from 'jose';
import type { KeyObject } from 'node:crypto';
import { SignatureInvalid, TokenInvalid } from '../errors.js';
import { isSupportedJwsAlgorithm, verifyJwsSignature } from './jws-signature.js';
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

/** What the signature check reads of a parsed token (a `CompactJws`, or a `StrictJwt`). */
export type SignedParts = Pick<CompactJws, 'header' | 'signingInput' | 'signature'>;

export interface VerifyJwsOptions {
  /** The algorithms this credential source accepts, e.g. `['ES256']`. Never `none`. */
  algorithms: readonly string[];
  resolveKey: KeyResolver;
}

/**
 * Parses `token` strictly (or takes it as jwt-strict.ts parsed it), checks its `alg` against
 * `algorithms` and against the algorithm of the key the resolver returns, then verifies the
 * signature. Returns the parsed JWS (the very object it was given, if parsed). Throws
 * `TokenInvalid` (malformed, algorithm not allowed), `UnknownKeyId` (from the resolver) or
 * `SignatureInvalid`.
 *
 * Does not interpret the payload: JWT claims are the caller's (see `parseStrictJwt`).
 *
 * @example
 * const jws = await verifyCompactJws(token, { algorithms: ['ES256'], resolveKey: keyring.resolveKey })
 */
export async function verifyCompactJws(token: string, options: VerifyJwsOptions): Promise<CompactJws>;
export async function verifyCompactJws<J extends SignedParts>(token: J, options: VerifyJwsOptions): Promise<J>;
export async function verifyCompactJws(token: string | SignedParts, options: VerifyJwsOptions): Promise<SignedParts> {
  if (options.algorithms.length === 0 || options.algorithms.some((alg) => alg.toLowerCase() === 'none')) {
    throw new TypeError('verifyCompactJws: algorithms must list real signature algorithms');
  }
  const jws = typeof token === 'string' ? parseCompactJws(token) : token;
  // Compared exactly: "none", "None", "NONE", "HS256" for an ES256 source... are all refused here.
  const algorithmAllowed = options.algorithms.includes(jws.header.alg);
  traceStep('algorithm allowed', algorithmAllowed, () => `${jws.header.alg.slice(0, 32)} (accepted: ${options.algorithms.join(', ')})`);
  if (!algorithmAllowed) {
    throw new TokenInvalid({ message: 'The token is signed with an algorithm that is not accepted here.', detail: `alg ${jws.header.alg.slice(0, 32)}` });
  }
  let resolved: ResolvedKey;
  try {
    resolved = await options.resolveKey(jws.header);
  } catch (error) {
    traceStep('signing key found', false, () => `kid ${String(jws.header.kid ?? '(none)').slice(0, 64)}`);
    throw error;
  }
  traceStep('signing key found', true, () => `kid ${String(jws.header.kid ?? '(none)').slice(0, 64)}`);
  if (resolved.algorithm !== jws.header.alg || !options.algorithms.includes(resolved.algorithm)) {
    throw new TokenInvalid({ message: 'The token is signed with an algorithm that is not accepted here.', detail: 'alg does not match the key' });
  }
  if (!isSupportedJwsAlgorithm(resolved.algorithm)) {
    // Listed by the caller but not one we can check (jose answered JOSENotSupported here).
    throw new TokenInvalid({ message: 'The token is signed with an algorithm that is not accepted here.', detail: 'unsupported algorithm' });
  }
  // A key that does not fit the algorithm throws TypeError (the resolver's bug, a server error).
  const valid = verifyJwsSignature(resolved.algorithm, resolved.key, jws.signingInput, jws.signature);
  traceStep('signature valid', valid);
  if (!valid) throw new SignatureInvalid();
  return jws;
}
