import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Result, Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import { StaticFirstRouter } from '../../../../src/platform/http/router/static-first-router.js';
import { createTestApp } from '../../../helpers/test-app.js';

/** The inner router, counting the searches it is asked for. */
class CountingRouter implements Router<string> {
  name = 'counting';
  searches = 0;
  readonly #trie = new TrieRouter<string>();
  add(method: string, path: string, handler: string): void {
    this.#trie.add(method, path, handler);
  }
  match(method: string, path: string): Result<string> {
    this.searches++;
    return this.#trie.match(method, path);
  }
}

const TABLE: Array<[string, string, string]> = [
  ['ALL', '*', 'global'],
  ['POST', '*', 'body-limit'],
  ['GET', '/v1/me', 'me'],
  ['POST', '/v1/threads/claim', 'claim'],
  ['GET', '/v1/threads/:threadId', 'get-thread'],
  ['POST', '/v1/threads/:threadId/messages', 'append'],
  ['GET', '/v1/threads', 'list'],
];

function build(): { router: StaticFirstRouter<string>; inner: CountingRouter; reference: TrieRouter<string> } {
  const inner = new CountingRouter();
  const router = new StaticFirstRouter<string>(inner);
  const reference = new TrieRouter<string>();
  for (const [method, path, handler] of TABLE) {
    router.add(method, path, handler);
    reference.add(method, path, handler);
  }
  return { router, inner, reference };
}

describe('StaticFirstRouter', () => {
  it('answers every request exactly as the router it wraps', () => {
    const { router, reference } = build();
    const paths = ['/v1/me', '/v1/me/', '/v1/threads', '/v1/threads/claim', '/v1/threads/t1', '/v1/threads/t1/messages', '/v1/nothing', '/'];
    for (let round = 0; round < 3; round++) {
      for (const method of ['GET', 'POST', 'DELETE', 'PURGE']) {
        for (const path of paths) {
          assert.deepEqual(router.match(method, path), reference.match(method, path), `${method} ${path}, round ${round}`);
        }
      }
    }
  });

  it('searches a literally registered path once per method, and anything else every time', () => {
    const { router, inner } = build();
    const first = router.match('GET', '/v1/me');
    for (let i = 0; i < 5; i++) assert.equal(router.match('GET', '/v1/me'), first, 'the same answer, kept');
    assert.equal(inner.searches, 1);

    router.match('POST', '/v1/me');
    router.match('POST', '/v1/me');
    assert.equal(inner.searches, 2, 'POST is a method some route names: its answer for /v1/me is kept too');

    for (let i = 0; i < 3; i++) router.match('GET', '/v1/threads/t1');
    assert.equal(inner.searches, 5, 'a path matching a parameter is searched each time (never kept: unbounded)');
    for (let i = 0; i < 3; i++) router.match('GET', `/v1/unknown/${i}`);
    assert.equal(inner.searches, 8, 'unknown paths are not kept');
    for (let i = 0; i < 3; i++) router.match('PURGE', '/v1/me');
    assert.equal(inner.searches, 11, 'a method no route names is not kept');
  });

  it('drops what it kept when a route is added', () => {
    const { router } = build();
    assert.deepEqual(router.match('GET', '/v1/me')[0].map(([handler]) => handler), ['global', 'me']);
    router.add('GET', '/v1/me', 'me-again');
    assert.deepEqual(router.match('GET', '/v1/me')[0].map(([handler]) => handler), ['global', 'me', 'me-again']);
  });

  it('is the router of the application', async () => {
    const t = await createTestApp();
    try {
      assert.ok(t.app.router instanceof StaticFirstRouter);
      const health = await t.app.request('/health');
      assert.equal(health.status, 200);
      const missing = await t.app.request('/v1/me/');
      assert.equal(missing.status, 404, 'a trailing slash is another path, as before');
    } finally {
      await t.close();
    }
  });
});
