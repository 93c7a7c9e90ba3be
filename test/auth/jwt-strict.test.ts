import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkJwtTimes, checkStrictJwt, MAX_TOKEN_LENGTH, parseCompactJws, parseJwsClaims, parseStrictJwt } from '../../src/auth/jwt-strict.js';
import { b64u } from '../fixtures/jws.js';
import { expectError } from '../helpers/error-contract.js';

const NOW = 1_900_000_000;
const header = { alg: 'ES256', kid: 'key_1', typ: 'at+jwt' };
const claims = { iss: 'threadgate', sub: 'alice', aud: 'threadgate', iat: NOW, exp: NOW + 300 };
const SIG = b64u(new Uint8Array(64).fill(7));

/** A token from raw JSON texts (so duplicates and 1e400 survive), with a dummy signature. */
function raw(headerText: string, payloadText: string, signature = SIG): string {
  return `${b64u(headerText)}.${b64u(payloadText)}.${signature}`;
}
const token = (h: object = header, p: object = claims) => raw(JSON.stringify(h), JSON.stringify(p));

describe('jwt-strict – structure', () => {
  it('parses a well-formed token into header, payload, signing input and signature', () => {
    const parsed = parseStrictJwt(token());
    assert.deepEqual(parsed.header, header);
    assert.deepEqual(parsed.payload, claims);
    assert.equal(parsed.signingInput, token().split('.').slice(0, 2).join('.'));
    assert.equal(Buffer.from(parsed.signature).toString('base64url'), SIG);
  });

  it('refuses anything but three canonical base64url parts', async () => {
    const [h, p, s] = token().split('.') as [string, string, string];
    const hostile = [
      '',
      h,
      `${h}.${p}`,
      `${h}.${p}.${s}.`,
      `${h}.${p}.${s}.${s}`,
      `.${p}.${s}`,
      `${h}.${p}.`,
      `${h}==.${p}.${s}`,
      `${h}.${p}=.${s}`,
      `${h}.${p}.${s}=`,
      `${h}.${p}.${s}==`,
      ` ${h}.${p}.${s}`,
      `${h} .${p}.${s}`,
      `${h}.${p}.${s} `,
      `${h}.${p}.${s}\n`,
      `${h}.\t${p}.${s}`,
      `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`,
      `${h.replace(/-/g, '+').replace(/_/g, '/')}+/.${p}.${s}`,
      `${h}.${p}.${s.replace(/^./, '+')}`,
      `${h}.${p}.${s.replace(/^./, '/')}`,
      `${h}.${p}.${s.slice(0, -1)}%`,
      `${h}.${p}.${s}A`.slice(0, -1) + '?',
      `${h}.${p}.a`, // a length that no base64 can have
      // A last character with stray low bits: decodes to the same bytes, but is not canonical.
      `${h}.${p}.${s.slice(0, -1)}${String.fromCharCode(s.charCodeAt(s.length - 1) + 1)}`,
      `{"payload":"${p}","signatures":[{"protected":"${h}","signature":"${s}"}]}`,
    ];
    for (const value of hostile) await expectError(() => parseCompactJws(value), 'invalid_token', { message: JSON.stringify(value) });
  });

  it('allows an empty JWS payload (RFC 7515), but never an empty JWT claims set', async () => {
    const [h, , s] = token().split('.') as [string, string, string];
    assert.equal(parseCompactJws(`${h}..${s}`).payload.length, 0);
    await expectError(() => parseStrictJwt(`${h}..${s}`), 'invalid_token');
  });

  it('refuses a token over the size limit', async () => {
    const big = token(header, { ...claims, pad: 'x'.repeat(MAX_TOKEN_LENGTH) });
    await expectError(() => parseCompactJws(big), 'invalid_token');
  });

  it('refuses headers that are not JSON objects, or not UTF-8, or carry a BOM', async () => {
    for (const text of ['[]', 'null', '"ES256"', '42', '{', '{"alg":"ES256",}', '\ufeff{"alg":"ES256"}']) {
      await expectError(() => parseCompactJws(raw(text, JSON.stringify(claims))), 'invalid_token', { message: text });
    }
    const badUtf8 = `${Buffer.from([0x7b, 0x22, 0x61, 0x6c, 0x67, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64url')}.${b64u(claims)}.${SIG}`;
    await expectError(() => parseCompactJws(badUtf8), 'invalid_token');
  });

  it('refuses duplicate header members (JSON.parse would keep the last)', async () => {
    for (const text of [
      '{"alg":"none","alg":"ES256","kid":"key_1"}',
      '{"alg":"ES256","kid":"a","kid":"b"}',
      '{"alg":"ES256","\\u0061lg":"none"}',
      '{"alg":"ES256","typ":"JWT","typ":"at+jwt"}',
    ]) {
      await expectError(() => parseCompactJws(raw(text, JSON.stringify(claims))), 'invalid_token', { message: text });
    }
  });

  it('requires alg to be a non-empty string', async () => {
    for (const h of [{}, { alg: null }, { alg: 256 }, { alg: ['ES256'] }, { alg: '' }, { alg: { name: 'ES256' } }]) {
      await expectError(() => parseCompactJws(token(h as object)), 'invalid_token', { message: JSON.stringify(h) });
    }
  });

  it('refuses crit (we understand no extension) and b64 (unencoded payloads)', async () => {
    for (const extra of [
      { crit: ['exp'], exp: 1 },
      { crit: ['b64'], b64: false },
      { crit: [] },
      { crit: 'exp' },
      { crit: ['http://example.com/unknown'], 'http://example.com/unknown': true },
      { b64: false },
      { b64: true },
    ]) {
      await expectError(() => parseCompactJws(token({ ...header, ...extra })), 'invalid_token', { message: JSON.stringify(extra) });
    }
  });

  it('requires kid and typ, when present, to be strings', async () => {
    for (const extra of [{ kid: 1 }, { kid: '' }, { kid: null }, { kid: ['a'] }, { typ: 1 }, { typ: null }]) {
      await expectError(() => parseCompactJws(token({ ...header, ...extra })), 'invalid_token', { message: JSON.stringify(extra) });
    }
  });

  it('keeps jku, x5u, jwk and x5c as inert data: parsing does not fetch or refuse them', () => {
    const h = { ...header, jku: 'https://attacker.example/jwks', x5u: 'https://attacker.example/cert', jwk: { kty: 'oct', k: 'AAAA' }, x5c: ['AAAA'] };
    assert.deepEqual(parseCompactJws(token(h)).header, h);
  });
});

describe('jwt-strict – claims', () => {
  it('requires exp, as a finite number (1e400 parses as Infinity)', async () => {
    const { exp: _exp, ...withoutExp } = claims;
    await expectError(() => parseStrictJwt(token(header, withoutExp)), 'invalid_claims', { claim: 'exp' });
    const base = JSON.stringify(claims);
    for (const value of ['1e400', '-1e400', '"1900000300"', 'null', 'true', '[1900000300]', '{}']) {
      await expectError(() => parseStrictJwt(raw(JSON.stringify(header), base.replace(/"exp":\d+/, `"exp":${value}`))), 'invalid_claims', {
        claim: 'exp',
        message: value,
      });
    }
  });

  it('requires nbf and iat, when present, to be finite numbers', async () => {
    const base = JSON.stringify({ ...claims, nbf: NOW });
    for (const claim of ['nbf', 'iat']) {
      for (const value of ['1e400', '-1e400', '"now"', 'null', 'false']) {
        const text = base.replace(new RegExp(`"${claim}":\\d+`), `"${claim}":${value}`);
        await expectError(() => parseStrictJwt(raw(JSON.stringify(header), text)), 'invalid_claims', { claim, message: `${claim}=${value}` });
      }
    }
  });

  it('requires sub to be a non-empty string', async () => {
    for (const sub of [undefined, '', null, 42, ['alice'], { id: 'alice' }, true]) {
      await expectError(() => parseStrictJwt(token(header, { ...claims, sub })), 'invalid_claims', { claim: 'sub', message: JSON.stringify(sub) });
    }
  });

  it('types iss, aud and jti', async () => {
    for (const [claim, value] of [['iss', 1], ['iss', null], ['aud', 1], ['aud', [1]], ['aud', null], ['aud', { a: 1 }], ['jti', 5]] as const) {
      await expectError(() => parseStrictJwt(token(header, { ...claims, [claim]: value })), 'invalid_claims', { claim, message: `${claim}=${JSON.stringify(value)}` });
    }
    assert.deepEqual(parseStrictJwt(token(header, { ...claims, aud: ['a', 'threadgate'] })).payload.aud, ['a', 'threadgate']);
  });

  it('refuses duplicate claims, and a payload that is not a JSON object', async () => {
    for (const text of [
      '{"sub":"alice","sub":"admin","exp":1900000300}',
      '{"sub":"alice","exp":1,"exp":1900000300}',
      '{"sub":"alice","exp":1900000300,"workspace_id":"a","workspace_id":"b"}',
      '[]',
      '"alice"',
      'null',
      'not json',
    ]) {
      await expectError(() => parseStrictJwt(raw(JSON.stringify(header), text)), 'invalid_token', { message: text });
    }
  });
});

describe('jwt-strict – times', () => {
  const options = { nowSeconds: NOW, clockToleranceSeconds: 30 };
  const payload = (extra: object) => ({ ...claims, ...extra }) as ReturnType<typeof parseStrictJwt>['payload'];

  it('accepts a token within its lifetime and within the allowed skew', () => {
    checkJwtTimes(payload({}), options);
    checkJwtTimes(payload({ exp: NOW - 29 }), options);
    checkJwtTimes(payload({ nbf: NOW + 30, iat: NOW + 30 }), options);
  });

  it('expired beyond the skew is token_expired (exp == now - skew counts as expired)', async () => {
    await expectError(() => checkJwtTimes(payload({ exp: NOW - 30 }), options), 'token_expired');
    await expectError(() => checkJwtTimes(payload({ exp: NOW - 3600 }), options), 'token_expired');
    await expectError(() => checkJwtTimes(payload({ exp: NOW }), { nowSeconds: NOW, clockToleranceSeconds: 0 }), 'token_expired');
  });

  it('nbf in the future beyond the skew is token_not_yet_valid', async () => {
    await expectError(() => checkJwtTimes(payload({ nbf: NOW + 31 }), options), 'token_not_yet_valid');
  });

  it('iat in the future beyond the skew is invalid_claims naming iat', async () => {
    await expectError(() => checkJwtTimes(payload({ iat: NOW + 31 }), options), 'invalid_claims', { claim: 'iat' });
  });
});

describe('jwt-strict – parsed forms', () => {
  it('gives frozen results, never mixes two texts, and checks an already parsed token as it checks the text', () => {
    const a = token();
    const b = token(header, { ...claims, sub: 'bob' });
    const first = parseStrictJwt(a);
    assert.ok(Object.isFrozen(first.header) && Object.isFrozen(first.payload));
    assert.throws(() => {
      (first.payload as { sub: string }).sub = 'mallory';
    }, TypeError);
    assert.equal(parseStrictJwt(b).payload.sub, 'bob');
    assert.equal(parseStrictJwt(a).payload.sub, 'alice');
    assert.deepEqual(parseStrictJwt(parseJwsClaims(a)), first);
    assert.deepEqual(checkStrictJwt(parseJwsClaims(b)), parseStrictJwt(b));
  });

  it('a bad claim or text after a good one still fails, every time, parsed first or not', async () => {
    const good = token();
    const noExp = token(header, { sub: 'alice' });
    parseStrictJwt(good);
    for (let i = 0; i < 2; i++) {
      await expectError(() => parseStrictJwt(noExp), 'invalid_claims', { claim: 'exp' });
      await expectError(() => checkStrictJwt(parseJwsClaims(noExp)), 'invalid_claims', { claim: 'exp' });
      await expectError(() => parseCompactJws(`${good}=`), 'invalid_token');
    }
    assert.equal(parseStrictJwt(good).payload.sub, 'alice');
  });
});

describe('jwt-strict – canonical base64url', () => {
  it('accepts a part exactly when re-encoding its bytes gives the same text (every last character, every length)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const [h, p] = token().split('.') as [string, string];
    for (let length = 2; length <= 9; length++) {
      if (length % 4 === 1) continue;
      for (const last of alphabet) {
        const signature = `${'Q'.repeat(length - 1)}${last}`;
        const canonical = Buffer.from(signature, 'base64url').toString('base64url') === signature;
        let accepted = true;
        try {
          parseCompactJws(`${h}.${p}.${signature}`);
        } catch {
          accepted = false;
        }
        assert.equal(accepted, canonical, signature);
      }
    }
  });
});
