/**
 * The bench's own identity provider keys and the tokens it signs with node:crypto: HS256 tokens
 * for the peers and for Threadgate's authentication keys, RS256 access tokens (RSA 2048) for the
 * JWKS-based setups. Every token lives an hour, far longer than a run: the steady state of a
 * client that reuses its token.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export const TOKEN_TTL_SECONDS = 3600;
/** `aud` of every bench token (and of the Threadgate auth rule). */
export const BENCH_AUDIENCE = 'threadgate-bench';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function signingInput(header: object, payload: object): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
}

/** `iat` now, `exp` in an hour, plus the given claims. */
export function claims(extra: Record<string, unknown>): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { ...extra, iat: now, exp: now + TOKEN_TTL_SECONDS };
}

/** HS256 over `header.payload` with the UTF-8 bytes of `secret`. */
export function signHs256(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const input = signingInput({ alg: 'HS256', ...header }, payload);
  return `${input}.${createHmac('sha256', Buffer.from(secret, 'utf8')).update(input).digest('base64url')}`;
}

export interface RsaIdentityProvider {
  kid: string;
  privateKey: KeyObject;
  /** The public JWK as a JWKS serves it. */
  publicJwk: Record<string, unknown>;
}

export function createRsaIdentityProvider(): RsaIdentityProvider {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `bench-rsa-${randomBytes(4).toString('hex')}`;
  return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

/** RS256 (RSASSA-PKCS1-v1_5 with SHA-256) with header `typ: at+jwt` (RFC 9068) and the provider's `kid`. */
export function signRs256AccessToken(idp: RsaIdentityProvider, payload: Record<string, unknown>): string {
  const input = signingInput({ alg: 'RS256', typ: 'at+jwt', kid: idp.kid }, payload);
  return `${input}.${sign('sha256', Buffer.from(input), idp.privateKey).toString('base64url')}`;
}

/** A random HS256 secret for the peers (32 bytes, base64url). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}
