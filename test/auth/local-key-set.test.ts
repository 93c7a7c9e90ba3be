import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLocalKeySet, skippedKeys } from '../../src/auth/local-key-set.js';
import { verifyCompactJws } from '../../src/auth/verify-jws.js';
import { craftEs256, signHs256, signingInput } from '../fixtures/jws.js';
import { expectError } from '../helpers/error-contract.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecJwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec1' };
const claims = { sub: 'alice', exp: 1_900_000_000 };

describe('local key set', () => {
  it('resolves a fitting key by kid and verifies with it', async () => {
    const resolveKey = createLocalKeySet({ keys: [ecJwk] }, { algorithms: ['ES256'] });
    await verifyCompactJws(craftEs256({ alg: 'ES256', kid: 'ec1' }, claims, ec.privateKey), { algorithms: ['ES256'], resolveKey });
  });

  it('leaves out keys that do not fit: use enc, key_ops without verify, wrong alg or curve, no kid', async () => {
    const unfit = [
      { ...ecJwk, use: 'enc' },
      { ...ecJwk, key_ops: ['encrypt'] },
      { ...ecJwk, alg: 'ES384' },
      { ...ecJwk, alg: 'ES521' },
      { ...ecJwk, crv: 'P-384' },
      { ...ecJwk, kty: 'RSA' },
    ];
    const token = craftEs256({ alg: 'ES256', kid: 'ec1' }, claims, ec.privateKey);
    for (const jwk of unfit) {
      const resolveKey = createLocalKeySet({ keys: [jwk] }, { algorithms: ['ES256'] });
      await expectError(() => verifyCompactJws(token, { algorithms: ['ES256'], resolveKey }), 'unknown_signing_key', { message: JSON.stringify(jwk) });
    }
  });

  it('refuses RSA keys under 2048 bits and exponents below 3', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const resolveKey = createLocalKeySet({ keys: [{ ...small.publicKey.export({ format: 'jwk' }), kid: 'r' }] }, { algorithms: ['RS256'] });
    await expectError(() => resolveKey({ alg: 'RS256', kid: 'r' }), 'unknown_signing_key');
    const big = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...big.publicKey.export({ format: 'jwk' }), kid: 'r' };
    await createLocalKeySet({ keys: [jwk] }, { algorithms: ['RS256'] })({ alg: 'RS256', kid: 'r' });
    await expectError(() => createLocalKeySet({ keys: [{ ...jwk, e: 'AQ' }] }, { algorithms: ['RS256'] })({ alg: 'RS256', kid: 'r' }), 'unknown_signing_key');
  });

  it('a kid shared by two keys finds nothing', async () => {
    const other = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'ec1' };
    const resolveKey = createLocalKeySet({ keys: [ecJwk, other] }, { algorithms: ['ES256'] });
    await expectError(() => resolveKey({ alg: 'ES256', kid: 'ec1' }), 'unknown_signing_key');
  });

  it('skips a secret key among public keys and a published private key; the other keys still work', async () => {
    const secret = { kty: 'oct', kid: 's', k: randomBytes(32).toString('base64url') };
    const leaked = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'p' };
    const resolveKey = createLocalKeySet({ keys: [secret, leaked, ecJwk] }, { algorithms: ['HS256', 'ES256'] });
    await expectError(() => resolveKey({ alg: 'HS256', kid: 's' }), 'unknown_signing_key');
    await expectError(() => resolveKey({ alg: 'ES256', kid: 'p' }), 'unknown_signing_key');
    assert.equal((await resolveKey({ alg: 'ES256', kid: 'ec1' })).algorithm, 'ES256');
    // publicOnly (an identity provider's set): even a set of secret keys only is never used.
    await expectError(() => createLocalKeySet({ keys: [secret] }, { algorithms: ['HS256'], publicOnly: true })({ alg: 'HS256', kid: 's' }), 'unknown_signing_key');
    assert.equal((await createLocalKeySet({ keys: [secret] }, { algorithms: ['HS256'] })({ alg: 'HS256', kid: 's' })).algorithm, 'HS256');
  });

  it('refuses a document that is not a JWKS at all (TypeError)', () => {
    for (const doc of [null, [], {}, { keys: {} }, 'keys', { keys: 'x' }, [{ keys: [] }]]) {
      assert.throws(() => createLocalKeySet(doc, { algorithms: ['ES256'] }), TypeError);
      assert.throws(() => skippedKeys(doc), TypeError);
    }
  });

  it('skippedKeys: each key that can never be used, with its reason; never the usable ones', () => {
    const rsa = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), kid: 'rsa' };
    const skipped = skippedKeys({
      keys: [
        ecJwk,
        rsa,
        { kty: 'oct', kid: 's', k: randomBytes(32).toString('base64url') },
        { kty: 'AKP', kid: 'pq', alg: 'ML-DSA-44', pub: 'AAAA' },
        { ...ecJwk, kid: 'enc', use: 'enc' },
        { ...ecJwk, kid: 'bad-point', y: ecJwk.y!.slice(0, -2) + (ecJwk.y!.endsWith('AA') ? 'AB' : 'AA') },
        { ...rsa, kid: 'oaep', alg: 'RSA-OAEP' },
        { ...rsa, kid: 'with-k', k: 'AAAA' },
        7,
      ],
    });
    assert.deepEqual(
      skipped.map(({ index, kid }) => [index, kid]),
      [[2, 's'], [3, 'pq'], [4, 'enc'], [5, 'bad-point'], [6, 'oaep'], [7, 'with-k'], [8, undefined]],
    );
    assert.match(skipped[0]!.reason, /secret \(oct\)/);
    assert.match(skipped[1]!.reason, /unsupported key type \(kty "AKP"\)/);
    assert.match(skipped[2]!.reason, /use "enc"/);
    assert.match(skipped[3]!.reason, /malformed/);
    assert.match(skipped[4]!.reason, /alg "RSA-OAEP" does not fit/);
    assert.match(skipped[5]!.reason, /private key material \(k\)/);
    assert.equal(skipped[6]!.reason, 'not a JSON object');
  });

  it('HMAC keys must be at least as long as the hash', async () => {
    const input = signingInput({ alg: 'HS256', kid: 's' }, claims);
    for (const [bytes, ok] of [[0, false], [16, false], [31, false], [32, true], [64, true]] as const) {
      const k = randomBytes(bytes);
      const resolveKey = createLocalKeySet({ keys: [{ kty: 'oct', kid: 's', k: k.toString('base64url') }] }, { algorithms: ['HS256'] });
      const verify = () => verifyCompactJws(`${input}.${signHs256(input, k)}`, { algorithms: ['HS256'], resolveKey });
      if (ok) await verify();
      else await expectError(verify, 'unknown_signing_key', { message: `${bytes} bytes` });
    }
  });
});
