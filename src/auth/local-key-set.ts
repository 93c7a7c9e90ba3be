/**
 * A local key set: verification keys from a JWKS document, each admitted only if it fits the
 * algorithms the credential source allows (SPEC 8): the right key type and curve, `use` not `enc`,
 * `key_ops` allowing `verify`, RSA of at least 2048 bits with a sane exponent (and not a ROCA key),
 * HMAC secrets at least as long as the hash. jose's `createLocalJWKSet` is the model; the fitness
 * rules are ours, because a JWKS key must never verify with an algorithm it was not made for.
 *
 * One key that can never be used (a secret key among public ones, private members, an unknown key
 * type such as a post-quantum one, a malformed key...) is skipped with its reason and leaves the
 * others working: a provider that starts publishing a key type we do not know does not go dark.
 * Only a document that is not a JWKS at all is refused whole.
 *
 * Keys are found by `kid` only; a `kid` that two keys share is ambiguous and finds nothing.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
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

/** Members that only a private or secret key has. A published public key holding them is a leak. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const MIN_RSA_BITS = 2048;

export interface LocalKeySetOptions {
  /** The algorithms the credential source accepts, e.g. `['RS256']`. */
  algorithms: readonly string[];
  /** A published key set (an identity provider's): a secret (`oct`) key in it is skipped, never used. */
  publicOnly?: boolean;
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

/** Key types and curves Threadgate can verify with (ALGORITHMS_BY_KIND), for the skip reasons. */
const KNOWN_KEY_TYPES = new Set(['EC', 'OKP', 'RSA', 'oct']);

/** A provider-controlled value, quoted and cut short for a log line. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Why a key can never be used, whatever the credential source accepts, or undefined. These keys are
 * skipped: a token naming one gets `unknown_signing_key`, and the other keys of the set still work.
 */
function unusableReason(jwk: Record<string, unknown>, secretAllowed: boolean): string | undefined {
  if (typeof jwk.kid !== 'string' || jwk.kid === '') return 'no kid';
  const kty = jwk.kty;
  if (kty !== 'oct') {
    const leaked = PRIVATE_MEMBERS.filter((name) => Object.hasOwn(jwk, name));
    if (leaked.length > 0) return `holds private key material (${leaked.join(', ')}): the provider published a private key`;
  }
  if (typeof kty !== 'string' || !KNOWN_KEY_TYPES.has(kty)) return `unsupported key type (kty ${quoted(kty)})`;
  if (kty === 'oct' && !secretAllowed) return 'a secret (oct) key: a set of public keys must not hold one';
  if ((kty === 'EC' || kty === 'OKP') && ALGORITHMS_BY_KIND[kindOf(jwk)] === undefined) return `unsupported curve (crv ${quoted(jwk.crv)})`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return `not a signing key (use ${quoted(jwk.use)})`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return 'key_ops does not allow verify';
  if (jwk.alg !== undefined && !ALGORITHMS_BY_KIND[kindOf(jwk)]!.includes(jwk.alg as string)) return `alg ${quoted(jwk.alg)} does not fit the key type (${kindOf(jwk).replace(':', ' ')})`;
  if (kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return 'malformed: RSA key without n or e';
    if (bitLength(jwk.n) < MIN_RSA_BITS) return `RSA key under ${MIN_RSA_BITS} bits`;
    const e = BigInt(`0x${Buffer.from(jwk.e, 'base64url').toString('hex') || '0'}`);
    if (e < 3n || e % 2n === 0n) return 'RSA exponent is not an odd number ≥ 3';
    if (hasRocaFingerprint(jwk.n)) return 'RSA key has the ROCA fingerprint';
  }
  if (kty === 'oct') {
    if (typeof jwk.k !== 'string') return 'malformed: oct key without k';
  } else {
    try {
      // Node checks the members' encoding, lengths and (EC) that the point is on the curve.
      createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      return `malformed: not a valid ${kindOf(jwk)} public key`;
    }
  }
  return undefined;
}

/** Why a usable key does not fit these algorithms (the credential source's), or undefined. */
function unfitReason(jwk: Record<string, unknown>, algorithms: readonly string[]): string | undefined {
  if (algorithms.length === 0) return 'no accepted algorithm fits the key type';
  if (jwk.kty === 'oct') {
    const bytes = Buffer.from(String(jwk.k), 'base64url').length;
    if (algorithms.every((alg) => bytes < (HMAC_MIN_BYTES[alg] ?? Infinity))) return 'HMAC key shorter than its hash';
  }
  return undefined;
}

/** A key of a JWKS document that can never be used, and why (for a log line; no key material). */
export interface SkippedKey {
  /** Its position in `keys`. */
  index: number;
  /** Its `kid` when that is a string (cut to 256 characters). */
  kid: string | undefined;
  reason: string;
}

interface ScreenedKey {
  jwk: Record<string, unknown>;
  /** Why it can never be used, or undefined. */
  unusable: string | undefined;
}

/**
 * The keys of a JWKS document, each with its verdict. Throws TypeError when it is not a JWKS.
 * `publicOnly`: secret keys are never usable (an identity provider's JWKS).
 */
function screen(jwks: unknown, publicOnly: boolean): ScreenedKey[] {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || Array.isArray(jwks) || !Array.isArray(keys)) throw new TypeError('not a JWKS document ({"keys": [...]})');
  const isObject = (key: unknown): key is Record<string, unknown> => typeof key === 'object' && key !== null && !Array.isArray(key);
  // A set of secret keys (an auth key's, or a test's) may be used for HMAC; a secret key among
  // public ones is a leak and is skipped.
  const secretAllowed = !publicOnly && keys.every((key) => isObject(key) && key.kty === 'oct');
  return keys.map((key) => (isObject(key) ? { jwk: key, unusable: unusableReason(key, secretAllowed) } : { jwk: {}, unusable: 'not a JSON object' }));
}

/**
 * The keys of a published JWKS document (an identity provider's: public keys only) that can never
 * be used, each with the reason (SPEC 8): a secret key, private members, an unknown key type or
 * curve, `use` other than `sig`, an `alg` the key cannot serve, an RSA key under 2048 bits, a
 * malformed key... Throws TypeError when the document is not a JWKS at all (not an object, no
 * `keys` array).
 *
 * @example
 * skippedKeys({ keys: [{ kty: 'oct', kid: 's', k: '...' }, rsaPublicJwk] })
 * // [{ index: 0, kid: 's', reason: 'a secret (oct) key: a set of public keys must not hold one' }]
 */
export function skippedKeys(jwks: unknown): SkippedKey[] {
  return screen(jwks, true).flatMap(({ jwk, unusable }, index) =>
    unusable === undefined ? [] : [{ index, kid: typeof jwk.kid === 'string' ? jwk.kid.slice(0, 256) : undefined, reason: unusable }],
  );
}

/**
 * Builds a {@link KeyResolver} over a JWKS document. Throws TypeError when the document is not
 * `{keys: [...]}`. Keys that can never be used ({@link skippedKeys}) and keys that do not fit
 * `options.algorithms` are left out, and the others still work: a token naming a left-out key gets
 * `UnknownKeyId`.
 *
 * Does not fetch anything: a remote JWKS (auth rules) caches the document and builds one of these.
 *
 * @example
 * const resolveKey = createLocalKeySet(await res.json(), { algorithms: ['RS256'] })
 * await verifyCompactJws(token, { algorithms: ['RS256'], resolveKey })
 */
export function createLocalKeySet(jwks: unknown, options: LocalKeySetOptions): KeyResolver {
  const byKid = new Map<string, Candidate | { leftOut: string }>();
  for (const { jwk, unusable } of screen(jwks, options.publicOnly ?? false)) {
    if (typeof jwk.kid !== 'string' || jwk.kid === '') continue;
    if (byKid.has(jwk.kid)) {
      byKid.set(jwk.kid, { leftOut: 'kid shared by two keys' });
      continue;
    }
    const kindAlgorithms = ALGORITHMS_BY_KIND[kindOf(jwk)] ?? [];
    const algorithms = kindAlgorithms.filter((alg) => options.algorithms.includes(alg) && (jwk.alg === undefined || jwk.alg === alg));
    const reason = unusable ?? unfitReason(jwk, algorithms);
    // Left out, but its kid stays taken: a second key with the same kid must not slip in.
    byKid.set(jwk.kid, reason !== undefined ? { leftOut: reason } : { jwk: jwk as JWK, algorithms, imported: new Map() });
  }

  return async function resolveKey(header: JwsHeader): Promise<ResolvedKey> {
    if (header.kid === undefined) throw new UnknownKeyId({ message: 'The token names no signing key (kid).' });
    const candidate = byKid.get(header.kid);
    if (candidate === undefined) throw new UnknownKeyId();
    if ('leftOut' in candidate) throw new UnknownKeyId({ detail: `key left out: ${candidate.leftOut}` });
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
