/**
 * The raw crypto floor of this machine: what one credential check cannot go below. node:crypto's
 * synchronous one-shot calls (HMAC-SHA256 over a JWT signing input, SHA-256 of an API key,
 * RSA-2048 PKCS#1 v1.5 SHA-256 verify, ECDSA P-256 verify), and for comparison the WebCrypto
 * (async) calls that jose makes for the same checks.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, verify, webcrypto, type KeyPairKeyObjectResult } from 'node:crypto';
import { time, type Timing, type TimingOptions } from './timing.js';

export type FloorName = 'hmac-sha256' | 'sha256-api-key' | 'rsa2048-verify' | 'ecdsa-p256-verify';

export interface FloorResult {
  name: string;
  title: string;
  timing: Timing;
}

/** A typical workspace-token signing input (header.payload, about 400 bytes). */
const SIGNING_INPUT = Buffer.from(
  `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(
    JSON.stringify({ iss: 'threadgate', aud: 'threadgate', sub: 'user_0000', workspace_id: 'ws_0000', project_id: 'default', scope: 'threads:read threads:write', src: 'api_key', cid: 'apikey_0123456789abcdefghijklmnop', jti: randomBytes(16).toString('base64url'), iat: 1, exp: 2 }),
  ).toString('base64url')}`,
);

/** The crypto each floor stands for, as calls to time; keys and inputs made once. */
export interface FloorMaterial {
  calls: Record<FloorName, () => unknown>;
  titles: Record<FloorName, string>;
  hmacKey: Buffer;
  rsa: KeyPairKeyObjectResult;
  rsaSignature: Buffer;
  ec: KeyPairKeyObjectResult;
  ecSignature: Buffer;
}

export function createFloorMaterial(): FloorMaterial {
  const hmacKey = randomBytes(32);
  const apiKey = `tg_sk_${randomBytes(32).toString('base64url')}`;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaSignature = sign('sha256', SIGNING_INPUT, rsa.privateKey);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecSignature = sign('sha256', SIGNING_INPUT, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  return {
    calls: {
      'hmac-sha256': () => createHmac('sha256', hmacKey).update(SIGNING_INPUT).digest(),
      'sha256-api-key': () => createHash('sha256').update(apiKey).digest('hex'),
      'rsa2048-verify': () => verify('sha256', SIGNING_INPUT, rsa.publicKey, rsaSignature),
      'ecdsa-p256-verify': () => verify('sha256', SIGNING_INPUT, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, ecSignature),
    },
    titles: {
      'hmac-sha256': 'node:crypto HMAC-SHA256 over a JWT signing input',
      'sha256-api-key': 'node:crypto SHA-256 of an API key (hex)',
      'rsa2048-verify': 'node:crypto RSA-2048 PKCS#1 v1.5 SHA-256 verify',
      'ecdsa-p256-verify': 'node:crypto ECDSA P-256 SHA-256 verify',
    },
    hmacKey,
    rsa,
    rsaSignature,
    ec,
    ecSignature,
  };
}

export async function measureFloors(
  options: TimingOptions,
  material: FloorMaterial = createFloorMaterial(),
): Promise<Record<FloorName, FloorResult> & { webcrypto: FloorResult[] }> {
  const { hmacKey, rsa, rsaSignature, ec, ecSignature } = material;
  const floor = async (name: FloorName): Promise<FloorResult> => ({ name, title: material.titles[name], timing: await time(material.calls[name], options) });
  const floors = {
    'hmac-sha256': await floor('hmac-sha256'),
    'sha256-api-key': await floor('sha256-api-key'),
    'rsa2048-verify': await floor('rsa2048-verify'),
    'ecdsa-p256-verify': await floor('ecdsa-p256-verify'),
  } satisfies Record<FloorName, FloorResult>;

  const subtle = webcrypto.subtle;
  const hmacCryptoKey = await subtle.importKey('raw', hmacKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const hmacSignature = await subtle.sign('HMAC', hmacCryptoKey, SIGNING_INPUT);
  const ecCryptoKey = await subtle.importKey('jwk', ec.publicKey.export({ format: 'jwk' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const rsaCryptoKey = await subtle.importKey('jwk', rsa.publicKey.export({ format: 'jwk' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
  const webcryptoFloors: FloorResult[] = [
    { name: 'webcrypto-hmac-verify', title: 'WebCrypto HMAC-SHA256 verify (async, as jose does)', timing: await time(() => subtle.verify('HMAC', hmacCryptoKey, hmacSignature, SIGNING_INPUT), options) },
    { name: 'webcrypto-rsa-verify', title: 'WebCrypto RSA-2048 PKCS#1 v1.5 verify (async)', timing: await time(() => subtle.verify('RSASSA-PKCS1-v1_5', rsaCryptoKey, rsaSignature, SIGNING_INPUT), options) },
    { name: 'webcrypto-ecdsa-verify', title: 'WebCrypto ECDSA P-256 verify (async)', timing: await time(() => subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, ecCryptoKey, ecSignature, SIGNING_INPUT), options) },
  ];
  return { ...floors, webcrypto: webcryptoFloors };
}
