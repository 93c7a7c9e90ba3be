/**
 * A local key set: verification keys from a JWKS document, each admitted only if it fits the
 * algorithms the credential source allows (SPEC 8): the right key type and curve, `use` not `enc`,
 * `key_ops` allowing `verify`, RSA of at least 2048 bits with a sane exponent (and not a ROCA key),
 * HMAC secrets at least as long as the hash. jose's `createLocalJWKSet` is the model; the fitness
 * rules are ours, because a JWKS key must never verify with an algorithm it was not made for.
 *
 * Keys are found by `kid` only; a `kid` that two keys share is ambiguous and finds nothing.
 */
import { importJWK, type JWK } from 'jose';
import { TokenInvalid, UnknownKeyId } from '../errors.js';
import type { JwsHeader } from './jwt-strict.js';
import type { KeyResolver, ResolvedKey } from './verify-jws.js';

/** Which algorithms a key type (and curve) can serve. */
const ALGORITHMS_BY_KIND: Record<string, readonly string[]> = {
  'EC:P-256': ['ES256'],
  'EC:P-384': ['ES384'],
  'EC:P-521': ['ES512'],
  'OKP:Ed25519': ['EdDSA', 'Ed25519'],
  RSA: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  oct: ['HS256', 'HS384', 'HS512'],
};

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** Members that only a private or secret key has. A published JWKS holding them is a leak. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

const MIN_RSA_BITS = 2048;

export interface LocalKeySetOptions {
  /** The algorithms the credential source accepts, e.g. `['RS256']`. */
  algorithms: readonly string[];
}

interface Candidate {
  jwk: JWK;
  /** Algorithms this key may verify: its kind's, narrowed by its own `alg` and by the options. */
  algorithms: readonly string[];
  imported: Map<string, Promise<ResolvedKey['key']>>;
}

function kindOf(jwk: Record<string, unknown>): string {
  return jwk.kty === 'EC' || jwk.kty === 'OKP' ? `${String(jwk.kty)}:${String(jwk.crv)}` : String(jwk.kty);
}

function bitLength(base64url: string): number {
  const bytes = Buffer.from(base64url, 'base64url');
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return 0;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!));
}

/**
 * The ROCA fingerprint (CVE-2017-15361, Nemec et al. 2017): moduli from the flawed Infineon
 * generator are, modulo each small prime p below, a power of 65537. A random modulus fails this for
 * some prime with overwhelming probability.
 */
const ROCA_PRIMES = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167];
const ROCA_POWERS = ROCA_PRIMES.map((p) => {
  const powers = new Set<number>();
  let value = 1;
  for (let i = 0; i < p; i++) {
    powers.add(value);
    value = (value * (65537 % p)) % p;
  }
  return powers;
});

function hasRocaFingerprint(modulus: string): boolean {
  const n = BigInt(`0x${Buffer.from(modulus, 'base64url').toString('hex') || '0'}`);
  return ROCA_PRIMES.every((p, i) => ROCA_POWERS[i]!.has(Number(n % BigInt(p))));
}

/** Why a key cannot be used, or undefined when it fits. */
function unfitReason(jwk: Record<string, unknown>, algorithms: readonly string[]): string | undefined {
  if (typeof jwk.kid !== 'string' || jwk.kid === '') return 'no kid';
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'use is not sig';
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return 'key_ops does not allow verify';
  if (algorithms.length === 0) return 'no accepted algorithm fits the key type';
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return 'RSA key without n or e';
    if (bitLength(jwk.n) < MIN_RSA_BITS) return `RSA key under ${MIN_RSA_BITS} bits`;
    const e = BigInt(`0x${Buffer.from(jwk.e, 'base64url').toString('hex') || '0'}`);
    if (e < 3n || e % 2n === 0n) return 'RSA exponent is not an odd number ≥ 3';
    if (hasRocaFingerprint(jwk.n)) return 'RSA key has the ROCA fingerprint';
  }
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') return 'oct key without k';
    const bytes = Buffer.from(jwk.k, 'base64url').length;
    if (algorithms.every((alg) => bytes < (HMAC_MIN_BYTES[alg] ?? Infinity))) return 'HMAC key shorter than its hash';
  }
  return undefined;
}

/**
 * Builds a {@link KeyResolver} over a JWKS document. Refuses (TypeError) a document that is not
 * `{keys: [...]}`, that holds private members of an asymmetric key, or that mixes secret (`oct`)
 * and public keys. Keys that do not fit are left out, so a token naming them gets `UnknownKeyId`.
 *
 * Does not fetch anything: a remote JWKS (auth rules) caches the document and builds one of these.
 *
 * @example
 * const resolveKey = createLocalKeySet(await res.json(), { algorithms: ['RS256'] })
 * await verifyCompactJws(token, { algorithms: ['RS256'], resolveKey })
 */
export function createLocalKeySet(jwks: unknown, options: LocalKeySetOptions): KeyResolver {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys)) throw new TypeError('not a JWKS document ({"keys": [...]})');
  const objects = keys.filter((key): key is Record<string, unknown> => typeof key === 'object' && key !== null && !Array.isArray(key));
  const symmetric = objects.some((key) => key.kty === 'oct');
  if (symmetric && objects.some((key) => key.kty !== 'oct')) throw new TypeError('the key set mixes secret and public keys');
  if (objects.some((key) => key.kty !== 'oct' && PRIVATE_MEMBERS.some((name) => name in key))) {
    throw new TypeError('the key set holds private key material');
  }

  const byKid = new Map<string, Candidate | 'ambiguous'>();
  for (const jwk of objects) {
    const kindAlgorithms = ALGORITHMS_BY_KIND[kindOf(jwk)] ?? [];
    const algorithms = kindAlgorithms.filter((alg) => options.algorithms.includes(alg) && (jwk.alg === undefined || jwk.alg === alg));
    if (typeof jwk.kid === 'string' && byKid.has(jwk.kid)) {
      byKid.set(jwk.kid, 'ambiguous');
      continue;
    }
    if (unfitReason(jwk, algorithms) !== undefined) {
      // Left out, but its kid stays taken: a second key with the same kid must not slip in.
      if (typeof jwk.kid === 'string') byKid.set(jwk.kid, 'ambiguous');
      continue;
    }
    byKid.set(jwk.kid as string, { jwk: jwk as JWK, algorithms, imported: new Map() });
  }

  return async function resolveKey(header: JwsHeader): Promise<ResolvedKey> {
    if (header.kid === undefined) throw new UnknownKeyId({ message: 'The token names no signing key (kid).' });
    const candidate = byKid.get(header.kid);
    if (candidate === undefined || candidate === 'ambiguous') throw new UnknownKeyId();
    if (!candidate.algorithms.includes(header.alg)) {
      throw new TokenInvalid({ message: 'The token is signed with an algorithm its key is not for.', detail: `alg ${header.alg.slice(0, 32)}` });
    }
    const alg = header.alg;
    if (alg in HMAC_MIN_BYTES && Buffer.from(String(candidate.jwk.k), 'base64url').length < HMAC_MIN_BYTES[alg]!) {
      throw new TokenInvalid({ message: 'The token is signed with an algorithm its key is not for.', detail: 'HMAC key too short for alg' });
    }
    let key = candidate.imported.get(alg);
    if (key === undefined) {
      key = importJWK({ ...candidate.jwk, alg }, alg) as Promise<ResolvedKey['key']>;
      candidate.imported.set(alg, key);
    }
    try {
      return { key: await key, algorithm: alg };
    } catch {
      // Not a valid key after all (a point off the curve, a malformed member): it finds nothing.
      candidate.imported.delete(alg);
      throw new UnknownKeyId({ detail: 'the key could not be imported' });
    }
  };
}
