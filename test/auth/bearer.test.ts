import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractBearer, MAX_AUTHORIZATION_LENGTH } from '../../src/auth/bearer.js';
import { expectCode } from '../fixtures/auth-errors.js';

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
      await expectCode(() => extractBearer(value), 'invalid_token', { message: JSON.stringify(value), secrets: ['SeCrEt', 'SeC'] });
    }
  });

  it('refuses an oversized header without looking further', async () => {
    await expectCode(() => extractBearer(`Bearer ${'a'.repeat(MAX_AUTHORIZATION_LENGTH)}`), 'invalid_token');
  });
});
