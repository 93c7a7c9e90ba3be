/**
 * A provider's JWKS that holds keys Threadgate can never use, served by a real local HTTP JWKS
 * server: the bad keys are skipped (each logged once, with its reason), the good ones keep working,
 * a token naming a skipped key is `unknown_signing_key` and costs the provider no refetch beyond the
 * cooldown. Only a document that is not a JWKS at all is a failed fetch. Odd keys come from
 * Project Wycheproof's JWK vectors (test/fixtures/wycheproof/json_web_key_test.json).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProviderKeys } from '../../../src/auth/oidc/provider-keys.js';
import { verifyAuthRuleToken } from '../../../src/auth/oidc/auth-rule-verifier.js';
import type { AuthRuleRecord } from '../../../src/auth/credential-records.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { craftEs256, signingInput } from '../../fixtures/jws.js';
import { expectError } from '../../helpers/error-contract.js';

const ISSUER = 'https://idp.mixed.test/';
const AUDIENCE = 'https://api.mixed.test';

interface Group { public?: { keys: Array<Record<string, unknown>> }; private?: { keys: Array<Record<string, unknown>> }; tests: Array<{ tcId: number }> }
const wycheproof = (JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/wycheproof/json_web_key_test.json', import.meta.url)), 'utf8')) as { testGroups: Group[] }).testGroups;
/** The first key of the Wycheproof group holding test `tcId`, as published under our own kid. */
function wycheproofKey(tcId: number, kid: string, which: 'public' | 'private' = 'public'): Record<string, unknown> {
  const group = wycheproof.find((g) => g.tests.some((t) => t.tcId === tcId))!;
  return { ...group[which]!.keys[0]!, kid };
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const GOOD = [
  { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'good-rsa', use: 'sig', alg: 'RS256' },
  { ...ec.publicKey.export({ format: 'jwk' }), kid: 'good-ec', use: 'sig', alg: 'ES256' },
];

/** Each kind of key that can never be used, by kid, with a word its logged reason must contain. */
const BAD: Array<[Record<string, unknown>, string]> = [
  [{ kty: 'oct', kid: 'secret', k: randomBytes(32).toString('base64url'), alg: 'HS256' }, 'secret (oct)'],
  [wycheproofKey(25, 'wp-aes-gcm', 'private'), 'secret (oct)'],
  [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'rsa-private' }, 'private key material (d, p, q, dp, dq, qi)'],
  [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'ec-private' }, 'private key material (d)'],
  [wycheproofKey(5, 'wp-rsa-private', 'private'), 'private key material'],
  [{ kty: 'AKP', kid: 'post-quantum', alg: 'ML-DSA-44', pub: randomBytes(1312).toString('base64url') }, 'unsupported key type (kty "AKP")'],
  [{ kid: 'no-kty', n: 'AQAB', e: 'AQAB' }, 'unsupported key type'],
  [{ kty: 'OKP', crv: 'X25519', kid: 'x25519', x: randomBytes(32).toString('base64url') }, 'unsupported curve'],
  [wycheproofKey(22, 'wp-invalid-point'), 'malformed'],
  [wycheproofKey(23, 'wp-wrong-curve'), 'alg "ES256" does not fit the key type (EC P-384)'],
  [wycheproofKey(24, 'wp-wrong-kty'), 'alg "ES256" does not fit the key type (RSA)'],
  [{ ...wycheproofKey(24, 'rsa-without-n'), alg: 'RS256' }, 'malformed: RSA key without n or e'],
  [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-short-x', x: 'AAEC' }, 'malformed'],
  [wycheproofKey(21, 'wp-use-enc'), 'use "enc"'],
  [wycheproofKey(6, 'wp-rsa1_5-enc'), 'use "enc"'],
  [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-oaep', alg: 'RSA-OAEP' }, 'alg "RSA-OAEP" does not fit'],
  [wycheproofKey(19, 'wp-es521'), 'alg "ES521" does not fit'],
  [wycheproofKey(20, 'wp-es224'), 'alg "ES224" does not fit'],
  [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-hs256', alg: 'HS256' }, 'alg "HS256" does not fit'],
  [wycheproofKey(8, 'wp-1024-bit'), 'under 2048 bits'],
  [wycheproofKey(9, 'wp-exponent-1'), 'exponent'],
  [wycheproofKey(7, 'wp-roca'), 'ROCA'],
  [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'verify-not-allowed', key_ops: ['encrypt'] }, 'key_ops'],
];
/** Entries without a usable kid at all: skipped too, logged by their index. */
const ANONYMOUS_BAD: unknown[] = ['not a key', 42, null, ['RSA'], { ...rsa.publicKey.export({ format: 'jwk' }) }];
const MIXED = { keys: [BAD[0]![0], GOOD[0], ...BAD.slice(1).map(([key]) => key), ...ANONYMOUS_BAD, GOOD[1]] };

function rule(jwksUri: string): AuthRuleRecord {
  return {
    id: 'ar_mixed',
    projectId: 'default',
    name: 'mixed',
    provider: null,
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri,
    discoveryUrl: null,
    algorithms: ['RS256', 'ES256'],
    tokenType: 'any',
    userIdClaim: 'sub',
    workspaceTemplate: null,
    requiredClaims: {},
    scopesClaim: null,
    enabled: true,
    createdAt: 0,
    updatedAt: 0,
  } as AuthRuleRecord;
}

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: now(), exp: now() + 300 });
function rs256(kid: string, key: KeyObject = rsa.privateKey): string {
  const input = signingInput({ alg: 'RS256', kid }, claims());
  return `${input}.${createSign('sha256').update(input).sign(key).toString('base64url')}`;
}
const es256 = (kid: string) => craftEs256({ alg: 'ES256', kid }, claims(), ec.privateKey);

function recordingLogger() {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return {
    warnings,
    skipped: () => warnings.filter((w) => w.msg.startsWith('identity provider JWKS key skipped')),
    warn(obj: object, msg: string) {
      warnings.push({ obj: obj as Record<string, unknown>, msg });
    },
    info() {},
  };
}

describe('provider keys: a JWKS with keys Threadgate cannot use', () => {
  let jwks: JwksServer;
  before(async () => {
    jwks = await startJwksServer(MIXED);
  });
  after(async () => {
    await jwks.close();
  });

  it('keeps the good keys, refuses each bad kid with unknown_signing_key, logs each bad key once with its reason', async () => {
    jwks.setDocument(MIXED);
    const logger = recordingLogger();
    const providerKeys = createProviderKeys({ jwksCooldownMs: 30_000, fetchTimeoutMs: 5000, allowHttp: true }, { logger });
    const deps = { resolveKey: providerKeys.resolverFor, config: { clockToleranceSeconds: 30 } };
    const before = jwks.hits();
    const r = rule(jwks.url);

    assert.equal((await verifyAuthRuleToken(r, rs256('good-rsa'), deps)).userId, 'alice');
    assert.equal((await verifyAuthRuleToken(r, es256('good-ec'), deps)).userId, 'alice');
    for (let round = 0; round < 3; round++) {
      for (const [key] of BAD) {
        const kid = key.kid as string;
        const token = key.kty === 'EC' ? es256(kid) : rs256(kid);
        await expectError(() => verifyAuthRuleToken(r, token, deps), 'unknown_signing_key', { message: kid });
      }
    }
    assert.equal(jwks.hits() - before, 1, 'one fetch: a skipped kid is published, so it does not make the cache refetch');

    const logged = logger.skipped();
    assert.equal(logged.length, BAD.length + ANONYMOUS_BAD.length, JSON.stringify(logged.map((w) => w.obj)));
    for (const [key, reason] of BAD) {
      const lines = logged.filter((w) => w.obj.kid === key.kid);
      assert.equal(lines.length, 1, `${String(key.kid)} logged once`);
      assert.ok(String(lines[0]!.obj.reason).includes(reason), `${String(key.kid)}: "${String(lines[0]!.obj.reason)}" should say ${reason}`);
      assert.equal(lines[0]!.obj.jwksUrl, jwks.url);
    }
    const secrets = BAD.flatMap(([key]) => ['k', 'd', 'p', 'q'].map((m) => key[m]).filter((v): v is string => typeof v === 'string'));
    const text = JSON.stringify(logger.warnings);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'no key material in a log line');
    assert.equal(logger.warnings.filter((w) => w.msg.includes('fetch failed')).length, 0, 'the document is not a failed fetch');
  });

  it('a refetch of the same document logs nothing again; a newly published bad key is logged; a fixed key works after the refresh', async () => {
    jwks.setDocument(MIXED);
    const logger = recordingLogger();
    const providerKeys = createProviderKeys({ jwksCooldownMs: 0, fetchTimeoutMs: 5000, allowHttp: true }, { logger });
    const deps = { resolveKey: providerKeys.resolverFor, config: { clockToleranceSeconds: 30 } };
    const r = rule(jwks.url);
    await verifyAuthRuleToken(r, rs256('good-rsa'), deps);
    const first = logger.skipped().length;
    // An unpublished kid makes the cache refetch (no cooldown here): the same bad keys are not logged again.
    await expectError(() => verifyAuthRuleToken(r, rs256('rotated'), deps), 'unknown_signing_key');
    assert.equal(logger.skipped().length, first);

    const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
    jwks.setDocument({
      keys: [...MIXED.keys, { ...rotated.publicKey.export({ format: 'jwk' }), kid: 'rotated' }, { kty: 'AKP', kid: 'pq-2', alg: 'ML-DSA-65', pub: 'AAAA' }],
    });
    assert.equal((await verifyAuthRuleToken(r, rs256('rotated', rotated.privateKey), deps)).userId, 'alice');
    assert.deepEqual(logger.skipped().slice(first).map((w) => w.obj.kid), ['pq-2']);
  });

  it('a document that is not a JWKS at all is a failed fetch: provider_unavailable with nothing cached, the cached keys otherwise', async () => {
    for (const [body, contentType] of [['<html>sign in</html>', 'text/html'], ['{"keys": [', 'application/json'], ['{"keys": {}}', 'application/json'], ['[]', 'application/json'], ['null', 'application/json'], ['{}', 'application/json']] as const) {
      const logger = recordingLogger();
      const providerKeys = createProviderKeys({ jwksCooldownMs: 0, fetchTimeoutMs: 5000, allowHttp: true }, { logger });
      const deps = { resolveKey: providerKeys.resolverFor, config: { clockToleranceSeconds: 30 } };
      const r = rule(jwks.url);
      jwks.setRawBody(body, contentType);
      await expectError(() => verifyAuthRuleToken(r, rs256('good-rsa'), deps), 'provider_unavailable', { message: body });
      assert.equal(logger.warnings.filter((w) => w.msg === 'identity provider JWKS fetch failed').length, 1, body);

      jwks.setDocument(MIXED);
      await verifyAuthRuleToken(r, rs256('good-rsa'), deps);
      jwks.setRawBody(body, contentType);
      await expectError(() => verifyAuthRuleToken(r, rs256('unpublished'), deps), 'unknown_signing_key', { message: body });
      assert.equal((await verifyAuthRuleToken(r, rs256('good-rsa'), deps)).userId, 'alice', `${body}: the cached keys stay`);
    }
    jwks.setDocument(MIXED);
  });

  it('through the app: the good keys answer 200, a skipped kid 401 unknown_signing_key, never 503', async () => {
    jwks.setDocument(MIXED);
    const t: TestApp = await createTestApp();
    try {
      const res = await t.call('POST', '/admin/v1/auth-rules', {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: { name: 'mixed', issuer: ISSUER, audience: AUDIENCE, jwks_uri: jwks.url, algorithms: ['RS256', 'ES256'], token_type: 'any' },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const me = (token: string) => t.call('GET', '/v1/me', { token });
      assert.equal((await me(rs256('good-rsa'))).status, 200);
      assert.equal((await me(es256('good-ec'))).status, 200);
      for (const kid of ['secret', 'rsa-private', 'post-quantum', 'wp-invalid-point', 'wp-use-enc', 'wp-es521']) {
        expectError(await me(rs256(kid)), 401, 'unknown_signing_key');
      }
    } finally {
      await t.close();
    }
  });
});
