import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractBearer, MAX_AUTHORIZATION_LENGTH } from '../../src/auth/bearer.js';
import { expectError } from '../helpers/error-contract.js';

describe('bearer', () => {
  it('extracts the token; the scheme is case-insensitive', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      assert.equal(extractBearer(`${scheme} abc.DEF-ghi_jkl~mno+pq/rs==`), 'abc.DEF-ghi_jkl~mno+pq/rs==');
    }
  });

  it('no header is no credential, not a failure', () => {
    assert.equal(extractBearer(undefined), undefined);
    assert.equal(extractBearer(null), undefined);
  });

  it('refuses everything that is not exactly "Bearer <token68>"', async () => {
    const hostile = [
      '',
      'Bearer',
      'Bearer ',
      'Bearer  SeCrEt',
      'Bearer\tSeCrEt',
      ' Bearer SeCrEt',
      'Bearer SeCrEt ',
      'Bearer SeCrEt extra',
      'Bearer SeC rEt',
      'Bearer =SeCrEt',
      'Bearer SeC=rEt',
      'Bearer SeCrEt,Bearer other',
      'Bearer SeCrEt\r\nX-Injected: 1',
      'Bearer SeCrEt\0',
      'Bearer tökén',
      'Bearer "SeCrEt"',
      'Basic dXNlcjpwYXNz',
      'Token abc',
      'BearerSeCrEt',
      'DPoP SeCrEt',
      'Bearer SeCrEt;',
    ];
    for (const value of hostile) {
      await expectError(() => extractBearer(value), 'invalid_token', { message: JSON.stringify(value), secrets: ['SeCrEt', 'SeC'] });
    }
  });

  it('refuses an oversized header without looking further', async () => {
    await expectError(() => extractBearer(`Bearer ${'a'.repeat(MAX_AUTHORIZATION_LENGTH)}`), 'invalid_token');
  });

  it('answers exactly as /^Bearer (token68)$/i for any one character changed or added anywhere', () => {
    const rule = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;
    const expected = (value: string) => rule.exec(value)?.[1] ?? 'refused';
    const got = (value: string) => {
      try {
        return extractBearer(value);
      } catch {
        return 'refused';
      }
    };
    const base = 'Bearer ab=';
    for (let at = 0; at <= base.length; at++) {
      for (let code = 0; code < 0x2200; code++) {
        const ch = String.fromCharCode(code);
        for (const value of [base.slice(0, at) + ch + base.slice(at + 1), base.slice(0, at) + ch + base.slice(at)]) {
          if (got(value) !== expected(value)) assert.fail(`${JSON.stringify(value)}: ${got(value)} instead of ${expected(value)}`);
        }
      }
    }
  });
});

