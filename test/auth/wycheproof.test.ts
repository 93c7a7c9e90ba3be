/**
 * Project Wycheproof's JWS and JWK vectors (test/fixtures/wycheproof/, see SOURCE.md) against our
 * verifier: strict parsing, algorithms fixed per key set (never from the token), keys admitted by
 * the local key set's fitness rules. Valid vectors must verify; invalid ones must be refused with an
 * auth error (never a crash, never a success).
 *
 * Each group's "rule" accepts the algorithms its key can serve (by key type and curve, narrowed by
 * the key's own `alg`), which is how an auth rule or auth key is configured.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalKeySet } from '../../src/auth/local-key-set.js';
import { verifyCompactJws } from '../../src/auth/verify-jws.js';
import { AuthError } from '../../src/errors.js';

interface Vector { tcId: number; comment: string; jws: string; result: 'valid' | 'invalid'; flags: string[] }
interface Group { comment: string; public?: Record<string, unknown>; private?: Record<string, unknown>; tests: Vector[] }

function load(name: string): Group[] {
  const url = new URL(`../fixtures/wycheproof/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as { testGroups: Group[] }).testGroups;
}

/**
 * Vectors Wycheproof calls valid that SPEC 8 makes us refuse, each with its reason. Nothing else may
 * differ from Wycheproof's verdict.
 */
const STRICTER_THAN_WYCHEPROOF: Record<string, string> = {
  'jws:346': 'the key says alg PS256 and the token PS384: a key verifies only the algorithm it names',
  'jws:350': 'the key says alg PS256 and the token PS384: a key verifies only the algorithm it names',
  'jws:347': 'the key says alg "ES521", which is not a JWS algorithm (RFC 7520 typo); we refuse unknown key algorithms',
  'jws:351': 'the key says alg "ES521", which is not a JWS algorithm (RFC 7520 typo); we refuse unknown key algorithms',
  'jws:372': 'a "?" inside the header: SPEC 8 allows only the base64url alphabet',
  'jws:373': 'a "?" inside the payload: SPEC 8 allows only the base64url alphabet',
};

/**
 * Vectors whose input is byte for byte that of another vector with the opposite verdict (the
 * "invalid padding" they describe is not in the file). We follow the valid twin, and check that
 * the inputs really are identical.
 */
const IDENTICAL_TO: Record<string, string> = {
  'jws:367': 'jws:357',
  'jws:370': 'jws:357',
};

const ALL_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'HS256', 'HS384', 'HS512'];

/** The algorithms a rule for this key set would accept: what its keys can serve. */
function algorithmsFor(keys: Array<Record<string, unknown>>): string[] {
  const serve = (key: Record<string, unknown>): string[] => {
    if (key.kty === 'EC') return ({ 'P-256': ['ES256'], 'P-384': ['ES384'], 'P-521': ['ES512'] } as Record<string, string[]>)[String(key.crv)] ?? [];
    if (key.kty === 'OKP') return ['EdDSA'];
    if (key.kty === 'RSA') return ALL_ALGORITHMS.filter((alg) => /^(RS|PS)/.test(alg));
    if (key.kty === 'oct') return ALL_ALGORITHMS.filter((alg) => alg.startsWith('HS'));
    return [];
  };
  const algorithms = new Set(keys.flatMap((key) => serve(key).filter((alg) => key.alg === undefined || key.alg === alg)));
  // A set whose keys serve nothing still needs a rule: accept a signature algorithm, which must fail.
  return algorithms.size > 0 ? [...algorithms] : ['ES256'];
}

async function outcome(jws: string, keySet: Record<string, unknown>): Promise<'valid' | string> {
  const keys = Array.isArray(keySet.keys) ? (keySet.keys as Array<Record<string, unknown>>) : [keySet];
  const algorithms = algorithmsFor(keys);
  let resolveKey;
  try {
    resolveKey = createLocalKeySet({ keys }, { algorithms });
  } catch (error) {
    assert.ok(error instanceof TypeError);
    return `key set refused: ${error.message}`;
  }
  try {
    await verifyCompactJws(jws, { algorithms, resolveKey });
    return 'valid';
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return `${error.code}: ${error.detail ?? error.message}`;
  }
}

for (const [file, label] of [['json_web_signature_test.json', 'jws'], ['json_web_key_test.json', 'jwk']] as const) {
  describe(`wycheproof – ${file}`, () => {
    const groups = load(file);
    for (const group of groups) {
      it(`${group.comment}: ${group.tests.length} vectors`, async () => {
        const keySet = group.public ?? group.private;
        assert.ok(keySet, 'a group without a key');
        for (const vector of group.tests) {
          const id = `${label}:${vector.tcId}`;
          const got = await outcome(vector.jws, keySet);
          const twin = IDENTICAL_TO[id];
          const expected = STRICTER_THAN_WYCHEPROOF[id] !== undefined ? 'invalid' : twin !== undefined ? 'valid' : vector.result;
          if (twin !== undefined) {
            const twinVector = group.tests.find((v) => `${label}:${v.tcId}` === twin);
            assert.equal(twinVector?.jws, vector.jws, `${id} is no longer identical to ${twin}`);
          }
          if (expected === 'valid') assert.equal(got, 'valid', `${id} ${vector.comment} should verify`);
          else assert.notEqual(got, 'valid', `${id} ${vector.comment} should be refused`);
        }
      });
    }

    it('every deliberate difference is still a real difference', () => {
      const ids = new Set(groups.flatMap((group) => group.tests.map((vector) => `${label}:${vector.tcId}`)));
      for (const [id] of Object.entries(STRICTER_THAN_WYCHEPROOF)) {
        if (!id.startsWith(`${label}:`)) continue;
        assert.ok(ids.has(id), `${id} no longer exists`);
        const vector = groups.flatMap((group) => group.tests).find((v) => `${label}:${v.tcId}` === id)!;
        assert.equal(vector.result, 'valid', `${id} is not valid in Wycheproof any more`);
      }
    });
  });
}
