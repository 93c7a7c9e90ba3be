import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { verifyCompactJws, type KeyResolver } from '../../src/auth/verify-jws.js';
import { UnknownKeyId } from '../../src/errors.js';
import { expectCode } from '../fixtures/auth-errors.js';
import { b64u, craftEs256, signHs256, signingInput, signEs256 } from '../fixtures/jws.js';

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
        await expectCode(() => verifyCompactJws(token, options), 'invalid_token', { message: alg });
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
        await expectCode(() => verifyCompactJws(`${input}.${signHs256(input, secret)}`, options), 'invalid_token');
      }
    }
    // Even when the source accepted HMAC too, the key (ES256) pins its own algorithm.
    const input = signingInput({ alg: 'HS256', kid: 'k1' }, claims);
    const token = `${input}.${signHs256(input, publicKey.export({ type: 'spki', format: 'pem' }) as string)}`;
    await expectCode(() => verifyCompactJws(token, { algorithms: ['ES256', 'HS256'], resolveKey }), 'invalid_token');
  });

  it('refuses algorithms the source does not list, even when the signature is fine', async () => {
    await expectCode(() => verifyCompactJws(craftEs256(header, claims, privateKey), { algorithms: ['EdDSA'], resolveKey }), 'invalid_token');
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
    for (const value of tampered) await expectCode(() => verifyCompactJws(value, options), 'invalid_signature');
    // The same signature in DER instead of the fixed-size JWS form (RFC 7518 §3.4).
    const { createSign } = await import('node:crypto');
    const der = createSign('sha256').update(`${h}.${p}`).sign({ key: privateKey, dsaEncoding: 'der' }).toString('base64url');
    await expectCode(() => verifyCompactJws(`${h}.${p}.${der}`, options), 'invalid_signature');
  });

  it('refuses an unknown kid through the resolver', async () => {
    await expectCode(() => verifyCompactJws(craftEs256({ alg: 'ES256', kid: 'other' }, claims, privateKey), options), 'unknown_signing_key');
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
    await expectCode(() => verifyCompactJws(craftEs256(embedded, claims, attacker.privateKey), options), 'invalid_signature');
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
