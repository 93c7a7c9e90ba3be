/**
 * The signature check of a JWS (RFC 7515 §5.2 step 8) for each algorithm we accept, with
 * node:crypto's synchronous one-shot calls. jose verifies through WebCrypto, whose every call is
 * asynchronous, which made every check slower than the same check done synchronously
 * (docs/benchmarks.md has the figures, change 8; bench/micro/crypto-floor.ts measures both). jose still imports
 * JWKs and signs; only this last step is ours.
 *
 * The key must fit the algorithm, as jose requires (its `checkCryptoKey` / `checkKeyType`): an RSA
 * key never verifies ES256, a P-384 key never ES256, an HMAC CryptoKey made for SHA-256 never
 * HS384, a private key never verifies, RSA keys have at least 2048 bits. A key that does not fit is
 * a bug in the resolver that returned it, so it is a `TypeError` (a server error), as it was with
 * jose, never a verdict on the token.
 *
 * - ES256/384/512: the signature is the fixed-size `r || s` of RFC 7518 §3.4 (64, 96 or 132
 *   bytes); any other length (a DER signature, a truncated one) is refused before OpenSSL sees it.
 * - EdDSA (and the fully specified `Ed25519`, RFC 9864): Ed25519 keys only (RFC 8037 §3.1).
 * - RS256/384/512: RSASSA-PKCS1-v1_5 (RFC 7518 §3.3).
 * - PS256/384/512: RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash
 *   (RFC 7518 §3.5), checked exactly: OpenSSL refuses another salt length when one is given.
 * - HS256/384/512: HMAC compared in constant time (RFC 7518 §3.2).
 *
 * Does not choose or check the algorithm against anything: verify-jws.ts does, before this runs.
 */
import { constants, createHmac, KeyObject, timingSafeEqual, verify, type webcrypto } from 'node:crypto';

type Family = 'hmac' | 'ecdsa' | 'eddsa' | 'rsa' | 'rsa-pss';

interface Algorithm {
  family: Family;
  /** node:crypto's digest name; null for Ed25519, which hashes by itself. */
  hash: string | null;
  /** The WebCrypto algorithm a CryptoKey must have been imported for (jose's rule). */
  webcrypto: { name: string; hash?: string; namedCurve?: string };
  /** EC keys: OpenSSL's curve name. */
  curve?: string;
  /** ECDSA: the length of `r || s`. PSS: the salt length. */
  length?: number;
}

const hmac = (bits: number): Algorithm => ({ family: 'hmac', hash: `sha${bits}`, webcrypto: { name: 'HMAC', hash: `SHA-${bits}` } });
const rsa = (bits: number): Algorithm => ({ family: 'rsa', hash: `sha${bits}`, webcrypto: { name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${bits}` } });
const pss = (bits: number): Algorithm => ({ family: 'rsa-pss', hash: `sha${bits}`, webcrypto: { name: 'RSA-PSS', hash: `SHA-${bits}` }, length: bits / 8 });
const ecdsa = (bits: number, crv: string, curve: string, length: number): Algorithm => ({
  family: 'ecdsa',
  hash: `sha${bits}`,
  webcrypto: { name: 'ECDSA', namedCurve: crv },
  curve,
  length,
});
const eddsa: Algorithm = { family: 'eddsa', hash: null, webcrypto: { name: 'Ed25519' } };

/** Every algorithm this file can check. Anything else is refused as unsupported. */
const ALGORITHMS: ReadonlyMap<string, Algorithm> = new Map(Object.entries({
  HS256: hmac(256),
  HS384: hmac(384),
  HS512: hmac(512),
  RS256: rsa(256),
  RS384: rsa(384),
  RS512: rsa(512),
  PS256: pss(256),
  PS384: pss(384),
  PS512: pss(512),
  ES256: ecdsa(256, 'P-256', 'prime256v1', 64),
  ES384: ecdsa(384, 'P-384', 'secp384r1', 96),
  ES512: ecdsa(512, 'P-521', 'secp521r1', 132),
  EdDSA: eddsa,
  Ed25519: eddsa,
}));

/** RFC 7518 §3.3 and §3.5: "A key of size 2048 bits or larger MUST be used". */
const MIN_RSA_BITS = 2048;

/** A key as resolvers return it. */
export type VerificationKey = webcrypto.CryptoKey | KeyObject | Uint8Array;

/**
 * Tells whether `alg` is one this file can check.
 *
 * @example
 * isSupportedJwsAlgorithm('ES256') // true
 * isSupportedJwsAlgorithm('none')  // false
 */
export function isSupportedJwsAlgorithm(alg: string): boolean {
  return ALGORITHMS.has(alg);
}

function isCryptoKey(key: unknown): key is webcrypto.CryptoKey {
  return (key as { [Symbol.toStringTag]?: unknown } | null)?.[Symbol.toStringTag] === 'CryptoKey';
}

function unfit(alg: string, why: string): TypeError {
  return new TypeError(`verifyJwsSignature: the key cannot verify ${alg}: ${why}`);
}

/** jose's `checkCryptoKey` for a verification key: algorithm name, hash, curve and usage. */
function checkCryptoKey(alg: string, entry: Algorithm, key: webcrypto.CryptoKey): void {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number };
  if (algorithm.name !== entry.webcrypto.name) throw unfit(alg, `its algorithm is ${algorithm.name}`);
  if (entry.webcrypto.hash !== undefined && algorithm.hash?.name !== entry.webcrypto.hash) throw unfit(alg, `its hash is ${String(algorithm.hash?.name)}`);
  if (entry.webcrypto.namedCurve !== undefined && algorithm.namedCurve !== entry.webcrypto.namedCurve) throw unfit(alg, `its curve is ${String(algorithm.namedCurve)}`);
  if (!key.usages.includes('verify')) throw unfit(alg, 'its usages do not include verify');
}

/** The same fitness for a KeyObject, from what OpenSSL says the key is. */
function checkKeyObject(alg: string, entry: Algorithm, key: KeyObject): void {
  if (entry.family === 'hmac') {
    if (key.type !== 'secret') throw unfit(alg, `a ${key.type} key is not an HMAC secret`);
    if (key.symmetricKeySize === 0) throw unfit(alg, 'empty HMAC secret');
    return;
  }
  if (key.type !== 'public') throw unfit(alg, `a ${key.type} key cannot verify`);
  const type = key.asymmetricKeyType;
  if (entry.family === 'ecdsa') {
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== entry.curve) {
      throw unfit(alg, `it is ${String(type)} ${String(key.asymmetricKeyDetails?.namedCurve ?? '')}`.trimEnd());
    }
  } else if (entry.family === 'eddsa') {
    if (type !== 'ed25519') throw unfit(alg, `it is ${String(type)}`);
  } else {
    if (type !== 'rsa') throw unfit(alg, `it is ${String(type)}`);
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (typeof bits !== 'number' || bits < MIN_RSA_BITS) throw unfit(alg, `RSA key under ${MIN_RSA_BITS} bits`);
  }
}

/**
 * KeyObjects by the key a resolver returned and the algorithm they were checked for. Resolvers
 * return the same key object for every token (keyring.ts, local-key-set.ts, the authentication key
 * cache), so the conversion and the fitness checks run once per key.
 */
const prepared = new WeakMap<object, Map<string, KeyObject>>();

function prepareKey(alg: string, entry: Algorithm, key: VerificationKey): KeyObject | Uint8Array {
  // A raw HMAC secret goes to createHmac as it is: nothing to convert, and never cached by
  // identity (a caller may reuse the array for another secret).
  if (key instanceof Uint8Array) {
    if (entry.family !== 'hmac') throw unfit(alg, 'raw bytes are an HMAC secret');
    if (key.byteLength === 0) throw unfit(alg, 'empty HMAC secret');
    return key;
  }
  let byAlg = prepared.get(key);
  const known = byAlg?.get(alg);
  if (known !== undefined) return known;
  let keyObject: KeyObject;
  if (isCryptoKey(key)) {
    checkCryptoKey(alg, entry, key);
    keyObject = KeyObject.from(key);
  } else if (key instanceof KeyObject) {
    keyObject = key;
  } else {
    throw unfit(alg, 'not a CryptoKey, KeyObject or Uint8Array');
  }
  checkKeyObject(alg, entry, keyObject);
  if (byAlg === undefined) prepared.set(key, (byAlg = new Map()));
  byAlg.set(alg, keyObject);
  return keyObject;
}

/**
 * Checks `signature` over `signingInput` with `key` for `alg`. Returns true or false; throws
 * `TypeError` when `alg` is not supported or the key does not fit it (see the file comment).
 * OpenSSL failing on a malformed signature is a false, not a throw.
 *
 * Does not check that `alg` is allowed, nor parse anything: verify-jws.ts does both first.
 *
 * @example
 * verifyJwsSignature('ES256', publicKey, 'eyJ...eyJ...', signatureBytes) // true
 */
export function verifyJwsSignature(alg: string, key: VerificationKey, signingInput: string, signature: Uint8Array): boolean {
  const entry = ALGORITHMS.get(alg);
  if (entry === undefined) throw new TypeError(`verifyJwsSignature: unsupported algorithm ${alg.slice(0, 32)}`);
  const prepared = prepareKey(alg, entry, key);
  if (entry.family === 'hmac') {
    const expected = createHmac(entry.hash!, prepared).update(signingInput, 'latin1').digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  if (entry.family === 'ecdsa' && signature.length !== entry.length) return false;
  // The signing input is base64url and a dot: ASCII, so latin1 is its exact byte encoding.
  const data = Buffer.from(signingInput, 'latin1');
  const keyObject = prepared as KeyObject;
  try {
    if (entry.family === 'ecdsa') return verify(entry.hash, data, { key: keyObject, dsaEncoding: 'ieee-p1363' }, signature);
    if (entry.family === 'rsa-pss') {
      return verify(entry.hash, data, { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: entry.length! }, signature);
    }
    return verify(entry.hash, data, keyObject, signature);
  } catch {
    // OpenSSL refusing the signature's encoding is a bad signature, as WebCrypto's `false` was.
    return false;
  }
}
