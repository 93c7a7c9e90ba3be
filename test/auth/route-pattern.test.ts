import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoutePattern } from '../../src/auth/route-pattern.js';

describe('route patterns (VoltAgent semantics)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['GET /health', 'GET', '/health', true],
    ['GET /health', 'POST', '/health', false],
    ['GET /health', 'GET', '/health/deep', false],
    ['/health', 'DELETE', '/health', true],
    ['POST /webhooks/*', 'POST', '/webhooks/github', true],
    ['POST /webhooks/*', 'POST', '/webhooks', false],
    ['POST /webhooks/*', 'POST', '/webhooks/github/push', false],
    ['GET /agents/:id', 'GET', '/agents/a1', true],
    ['GET /agents/:id', 'GET', '/agents/', false],
    ['GET /agents/:id/text', 'GET', '/agents/a1/text', true],
    ['/api/**', 'GET', '/api', true],
    ['/api/**', 'PUT', '/api/a/b/c', true],
    ['/api/**', 'GET', '/apix', false],
    ['get /doc', 'GET', '/doc', true],
    ['GET /', 'GET', '/', true],
    ['GET /', 'GET', '/x', false],
  ];
  for (const [pattern, method, path, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${method} ${path}`, () => {
      assert.equal(compileRoutePattern(pattern).matches(method, path), expected);
    });
  }

  it('refuses bad patterns when compiled, not at request time', () => {
    for (const bad of ['FETCH /x', 'GET health', '/a/**/b', 'GET /:1x']) {
      assert.throws(() => compileRoutePattern(bad), TypeError, bad);
    }
  });
});
