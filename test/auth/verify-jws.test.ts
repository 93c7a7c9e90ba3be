import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign, webcrypto, type KeyObject } from 'node:crypto';
import { importJWK, type CryptoKey } from 'jose';
import { withTrace } from '../../src/auth/trace.js';
import { verifyCompactJws, type KeyResolver, type ResolvedKey } from '../../src/auth/verify-jws.js';
import { UnknownKeyId } from '../../src/errors.js';
import { b64u, craftEs256, signHs256, signingInput, signEs256 } from '../fixtures/jws.js';
import { expectError } from '../helpers/error-contract.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const claims = { sub: 'alice', exp: 1_900_000_000 };
const header = { alg: 'ES256', kid: 'k1' };

const resolveKey: KeyResolver = async (h) => {
  if (h.kid !== 'k1') throw new UnknownKeyId();
  return { key: publicKey, algorithm: 'ES256' };
};
const options = { algorithms: ['ES256'], resolveKey };

describe('verify-jws', () => {
  // Nothing here may touch the network, whatever a header says (jku, x5u).
  const realFetch = globalThis.fetch;
  before(() => {
    globalThis.fetch = (() => {
      throw new Error('network access during verification');
    }) as typeof fetch;
  });
  after(() => {
    globalThis.fetch = realFetch;
  });

  it('verifies a token signed by the resolved key', async () => {
    const jws = await verifyCompactJws(craftEs256(header, claims, privateKey), options);
    assert.deepEqual(JSON.parse(Buffer.from(jws.payload).toString()), claims);
  });

  it('refuses alg none in every spelling, with or without a signature', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'none ', ' none']) {
      const input = signingInput({ alg, kid: 'k1' }, claims);
      for (const token of [`${input}.`, `${input}.${b64u('x')}`, `${input}.${signEs256(input, privateKey)}`]) {
        await expectError(() => verifyCompactJws(token, options), 'invalid_token', { message: alg });
      }
    }
  });

  it('refuses an HS256 token whose secret is the public key (algorithm confusion)', async () => {
    const secrets = [
      publicKey.export({ type: 'spki', format: 'pem' }) as string,
      publicKey.export({ type: 'spki', format: 'der' }),
      JSON.stringify(publicKey.export({ format: 'jwk' })),
    ];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const input = signingInput({ alg, kid: 'k1' }, claims);
        await expectError(() => verifyCompactJws(`${input}.${signHs256(input, secret)}`, options), 'invalid_token');
      }
    }
    // Even when the source accepted HMAC too, the key (ES256) pins its own algorithm.
    const input = signingInput({ alg: 'HS256', kid: 'k1' }, claims);
    const token = `${input}.${signHs256(input, publicKey.export({ type: 'spki', format: 'pem' }) as string)}`;
    await expectError(() => verifyCompactJws(token, { algorithms: ['ES256', 'HS256'], resolveKey }), 'invalid_token');
  });

  it('refuses algorithms the source does not list, even when the signature is fine', async () => {
    await expectError(() => verifyCompactJws(craftEs256(header, claims, privateKey), { algorithms: ['EdDSA'], resolveKey }), 'invalid_token');
  });

  it('refuses a tampered payload or header, and a truncated, extended or re-encoded signature', async () => {
    const token = craftEs256(header, claims, privateKey);
    const [h, p, s] = token.split('.') as [string, string, string];
    const signature = Buffer.from(s, 'base64url');
    const tampered = [
      `${h}.${b64u({ ...claims, sub: 'admin' })}.${s}`,
      `${b64u({ ...header, typ: 'JWT' })}.${p}.${s}`,
      `${h}.${p}.${signature.subarray(0, 63).toString('base64url')}`,
      `${h}.${p}.${signature.subarray(0, 32).toString('base64url')}`,
      `${h}.${p}.${Buffer.concat([signature, Buffer.from([0])]).toString('base64url')}`,
      `${h}.${p}.${Buffer.from(signature.map((byte, i) => (i === 10 ? byte ^ 1 : byte))).toString('base64url')}`,
      `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`,
    ];
    for (const value of tampered) await expectError(() => verifyCompactJws(value, options), 'invalid_signature');
    // The same signature in DER instead of the fixed-size JWS form (RFC 7518 §3.4).
    const { createSign } = await import('node:crypto');
    const der = createSign('sha256').update(`${h}.${p}`).sign({ key: privateKey, dsaEncoding: 'der' }).toString('base64url');
    await expectError(() => verifyCompactJws(`${h}.${p}.${der}`, options), 'invalid_signature');
  });

  it('refuses an unknown kid through the resolver', async () => {
    await expectError(() => verifyCompactJws(craftEs256({ alg: 'ES256', kid: 'other' }, claims, privateKey), options), 'unknown_signing_key');
  });

  it('never uses a key the token brings: jwk, jku, x5u, x5c are ignored', async () => {
    const embedded = {
      alg: 'ES256',
      kid: 'k1',
      jwk: attacker.publicKey.export({ format: 'jwk' }),
      jku: 'https://attacker.example/jwks.json',
      x5u: 'https://attacker.example/cert.pem',
      x5c: [attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
    };
    await expectError(() => verifyCompactJws(craftEs256(embedded, claims, attacker.privateKey), options), 'invalid_signature');
    // Signed by the real key, the same headers are inert.
    await verifyCompactJws(craftEs256(embedded, claims, privateKey), options);
  });

  it('refuses to be configured with no algorithm or with none', async () => {
    const token = craftEs256(header, claims, privateKey);
    for (const algorithms of [[], ['none'], ['ES256', 'NONE']]) {
      await assert.rejects(() => verifyCompactJws(token, { algorithms, resolveKey }), TypeError);
    }
  });
});

/** A token signed with node:crypto directly, for any algorithm and key. */
function signWith(alg: string, key: KeyObject | Uint8Array, options: { saltLength?: number; dsaEncoding?: 'der' | 'ieee-p1363' } = {}): string {
  const input = signingInput({ alg, kid: 'k1' }, claims);
  const bits = alg.slice(2);
  let signature: Buffer;
  if (alg.startsWith('HS')) signature = createHmac(`sha${bits}`, key as Uint8Array).update(input).digest();
  else if (alg === 'EdDSA' || alg === 'Ed25519') signature = sign(null, Buffer.from(input), key as KeyObject);
  else if (alg.startsWith('ES')) signature = sign(`sha${bits}`, Buffer.from(input), { key: key as KeyObject, dsaEncoding: options.dsaEncoding ?? 'ieee-p1363' });
  else if (alg.startsWith('PS')) {
    signature = sign(`sha${bits}`, Buffer.from(input), { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: options.saltLength ?? Number(bits) / 8 });
  } else signature = sign(`sha${bits}`, Buffer.from(input), key as KeyObject);
  return `${input}.${signature.toString('base64url')}`;
}

function fixed(key: ResolvedKey['key'], algorithm: string): KeyResolver {
  return async () => ({ key, algorithm });
}

describe('verify-jws – every algorithm, through node:crypto', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const secret = randomBytes(64);
  const pairs: Array<[string, KeyObject | Uint8Array, ResolvedKey['key'], ResolvedKey['key']]> = [
    // [alg, signing key, verification key, a key of the right type that did not sign]
    ['ES256', privateKey, publicKey, attacker.publicKey],
    ['ES384', p384.privateKey, p384.publicKey, generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey],
    ['ES512', p521.privateKey, p521.publicKey, generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey],
    ['EdDSA', ed.privateKey, ed.publicKey, generateKeyPairSync('ed25519').publicKey],
    ['Ed25519', ed.privateKey, ed.publicKey, generateKeyPairSync('ed25519').publicKey],
    ...(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'].map((alg) => [alg, rsa.privateKey, rsa.publicKey, otherRsa.publicKey]) as Array<[string, KeyObject, KeyObject, KeyObject]>),
    ...(['HS256', 'HS384', 'HS512'].map((alg) => [alg, secret, secret, randomBytes(64)]) as Array<[string, Uint8Array, Uint8Array, Uint8Array]>),
  ];

  it('verifies each algorithm with its key, and refuses another key of the same type', async () => {
    for (const [alg, signingKey, verificationKey, otherKey] of pairs) {
      const token = signWith(alg, signingKey);
      await verifyCompactJws(token, { algorithms: [alg], resolveKey: fixed(verificationKey, alg) });
      await expectError(() => verifyCompactJws(token, { algorithms: [alg], resolveKey: fixed(otherKey, alg) }), 'invalid_signature', { message: alg });
    }
  });

  it('verifies with WebCrypto CryptoKeys (as jose imports them) and secret KeyObjects', async () => {
    const cases: Array<[string, KeyObject | Uint8Array, ResolvedKey['key']]> = [
      ['ES256', privateKey, (await importJWK(publicKey.export({ format: 'jwk' }), 'ES256')) as CryptoKey],
      ['RS256', rsa.privateKey, (await importJWK(rsa.publicKey.export({ format: 'jwk' }), 'RS256')) as CryptoKey],
      ['PS384', rsa.privateKey, (await importJWK(rsa.publicKey.export({ format: 'jwk' }), 'PS384')) as CryptoKey],
      ['EdDSA', ed.privateKey, (await importJWK(ed.publicKey.export({ format: 'jwk' }), 'EdDSA')) as CryptoKey],
      ['HS256', secret, await webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])],
      ['HS512', secret, createSecretKey(secret)],
    ];
    for (const [alg, signingKey, key] of cases) {
      // Twice: the second call uses the key converted by the first.
      for (let i = 0; i < 2; i++) await verifyCompactJws(signWith(alg, signingKey), { algorithms: [alg], resolveKey: fixed(key, alg) });
    }
  });

  it('refuses a key that does not fit the algorithm (wrong type, curve, hash, half, size) as a server error', async () => {
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const hmac256 = await webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    const rs256 = (await importJWK(rsa.publicKey.export({ format: 'jwk' }), 'RS256')) as CryptoKey;
    const signOnly = await webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const misfits: Array<[string, KeyObject | Uint8Array, ResolvedKey['key'], string]> = [
      ['ES256', privateKey, rsa.publicKey, 'an RSA key for ES256'],
      ['ES256', privateKey, p384.publicKey, 'a P-384 key for ES256'],
      ['ES384', p384.privateKey, publicKey, 'a P-256 key for ES384'],
      ['ES256', privateKey, ed.publicKey, 'an Ed25519 key for ES256'],
      ['EdDSA', ed.privateKey, publicKey, 'an EC key for EdDSA'],
      ['RS256', rsa.privateKey, publicKey, 'an EC key for RS256'],
      ['RS256', rsa.privateKey, rsa.privateKey, 'a private key'],
      ['RS256', weakRsa.privateKey, weakRsa.publicKey, 'RSA under 2048 bits'],
      ['RS256', rsa.privateKey, secret, 'raw bytes for RS256'],
      ['RS384', rsa.privateKey, rs256, 'a CryptoKey imported for RS256, used for RS384'],
      ['PS256', rsa.privateKey, rs256, 'a CryptoKey imported for RS256, used for PS256'],
      ['HS384', secret, hmac256, 'an HMAC SHA-256 CryptoKey for HS384'],
      ['HS256', secret, signOnly, 'a CryptoKey without the verify usage'],
      ['HS256', secret, publicKey, 'a public key as an HMAC secret'],
      ['HS256', secret, new Uint8Array(0), 'an empty HMAC secret'],
    ];
    for (const [alg, signingKey, key, why] of misfits) {
      await assert.rejects(() => verifyCompactJws(signWith(alg, signingKey), { algorithms: [alg], resolveKey: fixed(key, alg) }), TypeError, why);
    }
  });

  it('refuses ES256/384/512 signatures of the wrong length, DER ones included', async () => {
    for (const [alg, signingKey, key] of [['ES256', privateKey, publicKey], ['ES384', p384.privateKey, p384.publicKey], ['ES512', p521.privateKey, p521.publicKey]] as const) {
      const token = signWith(alg, signingKey);
      const [h, p, s] = token.split('.') as [string, string, string];
      const signature = Buffer.from(s, 'base64url');
      const bad = [
        signature.subarray(1),
        Buffer.concat([signature, Buffer.from([0])]),
        Buffer.concat([Buffer.from([0]), signature]),
        Buffer.from(signWith(alg, signingKey, { dsaEncoding: 'der' }).split('.')[2]!, 'base64url'),
      ];
      for (const value of bad) {
        await expectError(() => verifyCompactJws(`${h}.${p}.${value.toString('base64url')}`, { algorithms: [alg], resolveKey: fixed(key, alg) }), 'invalid_signature', { message: alg });
      }
    }
  });

  it('refuses a PSS signature whose salt is not as long as the hash, and PKCS#1 v1.5 for PS256 and back', async () => {
    for (const saltLength of [0, 20, 33, 64]) {
      await expectError(() => verifyCompactJws(signWith('PS256', rsa.privateKey, { saltLength }), { algorithms: ['PS256'], resolveKey: fixed(rsa.publicKey, 'PS256') }), 'invalid_signature', { message: `salt ${saltLength}` });
    }
    const [h1, p1] = signWith('PS256', rsa.privateKey).split('.');
    const rsSignature = signWith('RS256', rsa.privateKey).split('.')[2];
    // Same header and payload would differ by alg; graft the other padding's signature on.
    await expectError(() => verifyCompactJws(`${h1}.${p1}.${rsSignature}`, { algorithms: ['PS256'], resolveKey: fixed(rsa.publicKey, 'PS256') }), 'invalid_signature');
  });

  it('refuses a token whose alg differs from the key\'s, and an algorithm listed but not supported', async () => {
    await expectError(() => verifyCompactJws(signWith('RS384', rsa.privateKey), { algorithms: ['RS256', 'RS384'], resolveKey: fixed(rsa.publicKey, 'RS256') }), 'invalid_token');
    await expectError(() => verifyCompactJws(signWith('HS256', secret), { algorithms: ['HS256', 'ES256'], resolveKey: fixed(publicKey, 'ES256') }), 'invalid_token');
    const input = signingInput({ alg: 'ES256K', kid: 'k1' }, claims);
    await expectError(() => verifyCompactJws(`${input}.${b64u('sig')}`, { algorithms: ['ES256K'], resolveKey: fixed(publicKey, 'ES256K') }), 'invalid_token');
  });

  it('reports the signature step in an inspection trace', async () => {
    const good = await withTrace(() => verifyCompactJws(signWith('HS256', secret), { algorithms: ['HS256'], resolveKey: fixed(secret, 'HS256') }));
    assert.deepEqual(good.steps.map((step) => [step.check, step.ok]), [['algorithm allowed', true], ['signing key found', true], ['signature valid', true]]);
    const bad = await withTrace(() => verifyCompactJws(signWith('HS256', randomBytes(32)), { algorithms: ['HS256'], resolveKey: fixed(secret, 'HS256') }));
    assert.deepEqual(bad.steps.map((step) => [step.check, step.ok]), [['algorithm allowed', true], ['signing key found', true], ['signature valid', false]]);
  });
});
