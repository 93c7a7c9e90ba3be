/**
 * Attacks on the identity-provider path (SPEC 8, RFC 8725), through the whole app: each request
 * goes to `GET /v1/me` with a hand-made token and must fail with the exact status and code.
 * The provider is a bare JWKS endpoint on 127.0.0.1 holding a good RSA key, a 1024-bit RSA key and
 * an encryption key; a second server stands in for every URL an attacker names in a header, and
 * must never be asked for anything.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, createHmac, type KeyObject } from 'node:crypto';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import { b64u, signingInput } from '../../fixtures/jws.js';
import { expectError } from '../../helpers/error-contract.js';

const ISSUER = 'https://idp.attack.test/';
const AUDIENCE = 'https://api.attack.test';

function rsa(bits: number) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, publicKey };
}

function rs256(input: string, key: KeyObject): string {
  return createSign('sha256').update(input).sign(key).toString('base64url');
}

describe('auth rule attacks', () => {
  let t: TestApp;
  let jwks: JwksServer;
  let attackerHost: JwksServer;
  const good = rsa(2048);
  const small = rsa(1024);
  const enc = rsa(2048);
  const attacker = rsa(2048);
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: now(), exp: now() + 300, ...extra });
  const header = (extra: Record<string, unknown> = {}) => ({ alg: 'RS256', typ: 'at+jwt', kid: 'good', ...extra });
  const sign = (h: object | string, p: object | string, key: KeyObject = good.privateKey) => {
    const input = signingInput(h, p);
    return `${input}.${rs256(input, key)}`;
  };
  const me = (token: string) => t.call('GET', '/v1/me', { token });

  before(async () => {
    jwks = await startJwksServer({
      keys: [
        { ...good.publicKey.export({ format: 'jwk' }), kid: 'good', use: 'sig', alg: 'RS256' },
        { ...small.publicKey.export({ format: 'jwk' }), kid: 'small', use: 'sig', alg: 'RS256' },
        { ...enc.publicKey.export({ format: 'jwk' }), kid: 'enc', use: 'enc' },
      ],
    });
    attackerHost = await startJwksServer({ keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), kid: 'evil' }] });
    t = await createTestApp();
    const res = await t.call('POST', '/admin/v1/auth-rules', {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: { name: 'attack', issuer: ISSUER, audience: AUDIENCE, jwks_uri: jwks.url, token_type: 'access' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    // Warm the cache: the good key is known from here on.
    assert.equal((await me(sign(header(), claims()))).status, 200);
  });
  after(async () => {
    await t.close();
    await jwks.close();
    await attackerHost.close();
    assert.equal(attackerHost.hits('/jwks') + attackerHost.hits('/x5u') + attackerHost.hits('/'), 0, 'a header-named URL was fetched');
  });

  it('a good token is accepted (the baseline every attack differs from)', async () => {
    const res = await me(sign(header(), claims()));
    assert.equal(res.status, 200);
    assert.equal(res.body.source, 'auth_rule');
  });

  it('refuses alg none in every spelling, with or without a signature', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE', ' none', 'none ']) {
      const input = signingInput(header({ alg }), claims());
      expectError(await me(`${input}.`), 401, 'invalid_token');
      expectError(await me(`${input}.${rs256(input, good.privateKey)}`), 401, 'invalid_token');
    }
  });

  it('refuses HS256 signed with the RSA public key (PEM, DER, JWK n) as the secret: key confusion', async () => {
    const secrets = [
      good.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      good.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string,
      good.publicKey.export({ format: 'der', type: 'spki' }) as Buffer,
      String(good.publicKey.export({ format: 'jwk' }).n),
    ];
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      for (const secret of secrets) {
        const input = signingInput(header({ alg }), claims());
        const mac = createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url');
        expectError(await me(`${input}.${mac}`), 401, 'invalid_token');
      }
    }
  });

  it('refuses algorithms the rule does not list, even over a real key (PS256, RS512, ES256)', async () => {
    for (const alg of ['PS256', 'RS512', 'ES256', 'EdDSA', 'RS256 ']) {
      expectError(await me(sign(header({ alg }), claims())), 401, 'invalid_token');
    }
  });

  it('ignores keys and key URLs named in the header (jku, x5u, jwk, x5c): never fetched, never used', async () => {
    const evilJwk = { ...attacker.publicKey.export({ format: 'jwk' }), kid: 'evil' };
    const evilCert = Buffer.from('not a certificate').toString('base64');
    const hostile = [
      { jku: attackerHost.url },
      { x5u: `${attackerHost.origin}/x5u` },
      { jwk: evilJwk },
      { x5c: [evilCert] },
      { jku: attackerHost.url, jwk: evilJwk, x5u: `${attackerHost.origin}/x5u`, x5c: [evilCert] },
    ];
    for (const extra of hostile) {
      // The attacker's key under its own kid: that kid is not published.
      expectError(await me(sign(header({ ...extra, kid: 'evil' }), claims(), attacker.privateKey)), 401, 'unknown_signing_key');
      // The attacker's key under the real kid: the published key does not verify it.
      expectError(await me(sign(header(extra), claims(), attacker.privateKey)), 401, 'invalid_signature');
      // Without a kid, nothing is looked up at all.
      const { kid: _kid, ...noKid } = header(extra);
      expectError(await me(sign(noKid, claims(), attacker.privateKey)), 401, 'unknown_signing_key');
    }
  });

  it('refuses crit (any extension), and b64', async () => {
    expectError(await me(sign(header({ crit: ['exp'] }), claims())), 401, 'invalid_token');
    expectError(await me(sign(header({ crit: [] }), claims())), 401, 'invalid_token');
    expectError(await me(sign(header({ crit: ['x-custom'], 'x-custom': 1 }), claims())), 401, 'invalid_token');
    expectError(await me(sign(header({ b64: false }), claims())), 401, 'invalid_token');
  });

  it('missing, unknown and hostile kids: refused, and they cost the provider nothing while cooling down', async () => {
    const before = jwks.hits();
    const { kid: _kid, ...noKid } = header();
    expectError(await me(sign(noKid, claims())), 401, 'unknown_signing_key');
    for (const kid of ['unknown', '__proto__', 'constructor', 'toString', '../../../etc/passwd', 'good ', ' good', 'GOOD', 'gööd', 'k'.repeat(300), '\u0000']) {
      expectError(await me(sign(header({ kid }), claims())), 401, 'unknown_signing_key');
    }
    for (const kid of [7, null, true, ['good'], { kid: 'good' }, '']) {
      expectError(await me(sign(header({ kid }), claims())), 401, 'invalid_token');
    }
    assert.equal(jwks.hits() - before, 0, 'within the cooldown of the warm-up fetch, no refetch');
  });

  it('refuses a JWKS key under 2048 bits and a key whose use is enc', async () => {
    expectError(await me(sign(header({ kid: 'small' }), claims(), small.privateKey)), 401, 'unknown_signing_key');
    expectError(await me(sign(header({ kid: 'enc' }), claims(), enc.privateKey)), 401, 'unknown_signing_key');
  });

  it('refuses expired, not-yet-valid and future-issued tokens (beyond the 30 s skew), and accepts within it', async () => {
    expectError(await me(sign(header(), claims({ exp: now() - 31 }))), 401, 'token_expired');
    expectError(await me(sign(header(), claims({ exp: now() - 3600, iat: now() - 7200 }))), 401, 'token_expired');
    expectError(await me(sign(header(), claims({ nbf: now() + 60 }))), 401, 'token_not_yet_valid');
    const future = await me(sign(header(), claims({ iat: now() + 60 })));
    expectError(future, 401, 'invalid_claims');
    assert.equal(future.body.claim, 'iat');
    assert.equal((await me(sign(header(), claims({ nbf: now() + 10, iat: now() + 10 })))).status, 200);
  });

  it('refuses a missing, non-numeric or infinite exp, and non-numeric nbf/iat', async () => {
    const cases: [string, string][] = [
      [JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' }), 'exp'],
      [`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":"${now() + 300}"}`, 'exp'],
      [`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":1e400}`, 'exp'],
      [`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":-1e400}`, 'exp'],
      [`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":null}`, 'exp'],
      [`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":[${now() + 300}]}`, 'exp'],
      [`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":${now() + 300},"nbf":"0"}`, 'nbf'],
      [`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","exp":${now() + 300},"iat":1e400}`, 'iat'],
    ];
    for (const [payload, claim] of cases) {
      const res = await me(sign(header(), payload));
      expectError(res, 401, 'invalid_claims');
      assert.equal(res.body.claim, claim, payload);
    }
  });

  it('refuses a wrong or missing issuer and a wrong or missing audience', async () => {
    for (const iss of ['https://idp.attack.test', 'https://IDP.attack.test/', `${ISSUER} `, `${ISSUER}/`, 'https://evil.test/']) {
      expectError(await me(sign(header(), claims({ iss }))), 401, 'unknown_issuer');
    }
    const { iss: _iss, ...noIss } = claims();
    const missingIss = await me(sign(header(), noIss));
    expectError(missingIss, 401, 'invalid_claims');
    assert.equal(missingIss.body.claim, 'iss');
    for (const aud of ['https://api.attack.test/', 'https://evil.test', ['https://evil.test'], [], 'HTTPS://API.ATTACK.TEST']) {
      const res = await me(sign(header(), claims({ aud })));
      expectError(res, 401, 'invalid_claims');
      assert.equal(res.body.claim, 'aud');
    }
    const { aud: _aud, ...noAud } = claims();
    const missingAud = await me(sign(header(), noAud));
    expectError(missingAud, 401, 'invalid_claims');
    assert.equal(missingAud.body.claim, 'aud');
    assert.equal((await me(sign(header(), claims({ aud: ['https://other.test', AUDIENCE] })))).status, 200, 'a list that contains it');
  });

  it('refuses a tampered or truncated signature, and a token re-signed by another key', async () => {
    const token = sign(header(), claims({ jti: 'tamper' }));
    const [h, p, s] = token.split('.') as [string, string, string];
    const tamperedPayload = b64u(claims({ sub: 'mallory', jti: 'tamper' }));
    expectError(await me(`${h}.${tamperedPayload}.${s}`), 401, 'invalid_signature');
    // A truncated signature is either not canonical base64url (invalid_token) or the wrong length.
    for (const cut of [s.slice(0, -8), s.slice(0, 20), s.slice(0, -1), s.slice(0, -2)]) {
      const res = await me(`${h}.${p}.${cut}`);
      assert.equal(res.status, 401);
      assert.ok(['invalid_signature', 'invalid_token'].includes(res.body.error), res.body.error);
    }
    const shorter = Buffer.from(s, 'base64url').subarray(0, 200).toString('base64url');
    expectError(await me(`${h}.${p}.${shorter}`), 401, 'invalid_signature');
    expectError(await me(sign(header(), claims(), attacker.privateKey)), 401, 'invalid_signature');
  });

  it('refuses oversized and malformed tokens', async () => {
    const token = sign(header(), claims());
    const [h, p, s] = token.split('.') as [string, string, string];
    expectError(await me(sign(header(), claims({ pad: 'x'.repeat(9000) }))), 401, 'invalid_token');
    for (const bad of [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}=`,
      `${h}.${p}.${s.replace(/-/g, '+')}+/`,
      `${h}.${p}!.${s}`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${b64u('not json')}.${p}.${s}`,
      `${b64u('[1,2]')}.${p}.${s}`,
      `${h}.${b64u('"a string"')}.${s}`,
    ]) {
      expectError(await me(bad), 401, 'invalid_token');
    }
    // Duplicate members, in the header and in the claims.
    expectError(await me(sign(`{"alg":"RS256","kid":"good","kid":"evil"}`, claims())), 401, 'invalid_token');
    expectError(await me(sign(header(), `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"alice","sub":"mallory","exp":${now() + 300}}`)), 401, 'invalid_token');
  });

  it('an RFC 9068 token with an ID-token marker is still an access token; an unmarked token with a nonce is an ID token', async () => {
    assert.equal((await me(sign(header(), claims({ nonce: 'n' })))).status, 200, 'typ at+jwt decides');
    expectError(await me(sign(header({ typ: 'JWT' }), claims({ nonce: 'n' }))), 401, 'id_token_not_accepted');
    expectError(await me(sign(header({ typ: undefined }), claims({ at_hash: 'x' }))), 401, 'id_token_not_accepted');
    expectError(await me(sign(header({ typ: 'JWT' }), claims({ token_use: 'id' }))), 401, 'id_token_not_accepted');
    expectError(await me(sign(header({ typ: 'JWT' }), claims({ typ: 'ID' }))), 401, 'id_token_not_accepted');
    assert.equal((await me(sign(header({ typ: 'JWT' }), claims({ auth_time: now() })))).status, 200, 'auth_time is not a marker');
  });

  it('never echoes the token in an error', async () => {
    const token = sign(header({ kid: 'nope' }), claims());
    expectError(await me(token), 401, 'unknown_signing_key', [token, token.split('.')[2]!]);
  });
});
