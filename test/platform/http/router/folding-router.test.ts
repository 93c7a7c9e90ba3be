import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TrieRouter } from 'hono/router/trie-router';
import type { RouterRoute } from 'hono/types';
import { FoldingRouter, type HandlerFold } from '../../../../src/platform/http/router/folding-router.js';

/** Handlers are names here; a lead is a name starting with `auth:`, a fold joins the two names. */
const fold: HandlerFold<string> = {
  leads: (handler) => handler.startsWith('auth:'),
  fold: (lead, next) => `${lead}+${next}`,
};

const route = (method: string, path: string) => ({ method, path, basePath: '/', handler: () => undefined }) as unknown as RouterRoute;

function build(table: Array<[string, string, string]>) {
  const router = new FoldingRouter<string>(new TrieRouter<[string, RouterRoute]>(), fold);
  for (const [method, path, handler] of table) router.add(method, path, [handler, route(method, path)]);
  return (method: string, path: string) => router.match(method, path)[0].map(([[handler]]) => handler);
}

describe('FoldingRouter', () => {
  it('registers a lead and the handler right after it, same method and path, as one handler', () => {
    const match = build([
      ['ALL', '*', 'global'],
      ['GET', '/me', 'auth:me'],
      ['GET', '/me', 'me'],
      ['GET', '/threads/:id', 'auth:thread'],
      ['GET', '/threads/:id', 'validate'],
      ['GET', '/threads/:id', 'thread'],
    ]);
    assert.deepEqual(match('GET', '/me'), ['global', 'auth:me+me']);
    assert.deepEqual(match('GET', '/threads/t1'), ['global', 'auth:thread+validate', 'thread'], 'the fold only says what folds: the application marks only steps with nothing after them');
  });

  it('leaves a lead alone when the next registration is for another method or path, another lead, or none', () => {
    const match = build([
      ['GET', '/a', 'auth:a'],
      ['POST', '/a', 'post-a'],
      ['GET', '/b', 'auth:b'],
      ['GET', '/c', 'c'],
      ['GET', '/d', 'auth:d1'],
      ['GET', '/d', 'auth:d2'],
      ['GET', '/d', 'd'],
      ['GET', '/e', 'auth:e'],
    ]);
    assert.deepEqual(match('GET', '/a'), ['auth:a']);
    assert.deepEqual(match('POST', '/a'), ['post-a']);
    assert.deepEqual(match('GET', '/b'), ['auth:b']);
    assert.deepEqual(match('GET', '/d'), ['auth:d1', 'auth:d2+d']);
    assert.deepEqual(match('GET', '/e'), ['auth:e'], 'the last lead is registered before the first match');
  });

  it('keeps the handler\'s own route data with the folded handler', () => {
    const router = new FoldingRouter<string>(new TrieRouter<[string, RouterRoute]>(), fold);
    const lead = route('GET', '/me');
    const handler = route('GET', '/me');
    router.add('GET', '/me', ['auth:me', lead]);
    router.add('GET', '/me', ['me', handler]);
    const entries = router.match('GET', '/me')[0];
    assert.equal(entries.length, 1);
    assert.equal(entries[0]![0][0], 'auth:me+me');
    assert.equal(entries[0]![0][1], handler);
  });
});
