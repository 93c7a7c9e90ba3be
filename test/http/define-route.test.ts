import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { authorizationFold, createRouteModule, declareRoute } from '../../src/http/define-route.js';
import { requirePrincipal } from '../../src/http/middleware/authorize.js';
import { handleError } from '../../src/http/middleware/error-handler.js';
import { createAppPipeline } from '../../src/http/app.js';
import { PipelineApp } from '../../src/platform/http/pipeline-app.js';
import { FoldingRouter } from '../../src/platform/http/router/folding-router.js';
import { createHonoRouter } from '../../src/platform/http/router/static-first-router.js';
import { sendJson } from '../../src/http/respond.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { expectError } from '../helpers/error-contract.js';

const ok = { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ user: z.string() }) } } } };
const plain = declareRoute({ category: 'data', scope: 'threads:read' }, { method: 'get', path: '/test/fold/plain', responses: ok });
const later = declareRoute({ category: 'data', scope: 'threads:read' }, { method: 'get', path: '/test/fold/later', responses: ok });
const validated = declareRoute({ category: 'data', scope: 'threads:read' }, {
  method: 'get',
  path: '/test/fold/validated',
  request: { query: z.object({ n: z.string() }) },
  responses: ok,
});
const scoped = declareRoute({ category: 'data', scope: 'threads:write' }, { method: 'get', path: '/test/fold/scoped', responses: ok });

describe('declared routes in an application that folds the authorization step', () => {
  let t: TestApp;
  let module: PipelineApp;
  let calls = 0;
  before(async () => {
    t = await createTestApp();
    // As createApp builds its application: the pipeline, and a router with the authorization fold.
    module = new PipelineApp(createAppPipeline(t.deps), { router: new FoldingRouter(createHonoRouter(), authorizationFold) });
    module.openapi(plain, (c) => {
      calls++;
      return sendJson(c, { user: requirePrincipal(c).userId }, 200);
    });
    module.openapi(later, async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return sendJson(c, { user: requirePrincipal(c).userId }, 200);
    });
    module.openapi(validated, (c) => sendJson(c, { user: `${requirePrincipal(c).userId}:${c.req.valid('query').n}` }, 200));
    module.openapi(scoped, (c) => sendJson(c, { user: requirePrincipal(c).userId }, 200));
    module.onError(handleError);
  });
  after(async () => t.close());

  const get = async (path: string, token?: string) => {
    const res = await module.request(path, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  it('registers a route that validates nothing as one handler, and one that validates as several', () => {
    const handlersOf = (path: string) => module.router.match('GET', path)[0].length;
    assert.equal(handlersOf('/test/fold/plain'), 1, 'the authorization step folded into the handler');
    assert.ok(handlersOf('/test/fold/validated') >= 3, 'step, validator and handler');
    assert.equal(module.routes.filter((route) => route.path === '/test/fold/plain').length, 2, 'the app still lists the step and the handler (route-policy.test.ts reads them)');
  });

  it('is how createApp registers the routes', () => {
    assert.equal(t.app.router.match('GET', '/v1/me')[0].length, 1, 'GET /v1/me: one handler');
    const plain = createRouteModule();
    assert.equal(plain.constructor, OpenAPIHono, 'a route module is a plain OpenAPIHono: nothing of it is patched');
  });

  it('still authorizes first: no credential, a credential without the scope, then the handler once', async () => {
    expectError(await get('/test/fold/plain'), 401, 'authentication_required');
    const reader = await t.tokenFor('u1', 'w1', ['threads:read']);
    expectError(await get('/test/fold/scoped', reader), 403, 'forbidden');
    assert.equal(calls, 0, 'refused requests never reach the handler');
    assert.deepEqual((await get('/test/fold/plain', reader)).body, { user: 'u1' }, 'verified in full, then answered');
    assert.deepEqual((await get('/test/fold/plain', reader)).body, { user: 'u1' }, 'answered from the cache');
    assert.equal(calls, 2);
    assert.deepEqual((await get('/test/fold/later', reader)).body, { user: 'u1' }, 'an async handler');
    assert.deepEqual((await get('/test/fold/validated?n=7', reader)).body, { user: 'u1:7' });
  });

  it('answers a cached credential in the same tick', async () => {
    const token = await t.tokenFor('u2', 'w2');
    const request = () => new Request('http://localhost/test/fold/plain', { headers: { Authorization: `Bearer ${token}` } });
    const first = module.fetch(request());
    assert.ok(first instanceof Promise, 'first sight: verified asynchronously');
    assert.equal((await first).status, 200);
    const second = module.fetch(request());
    assert.ok(second instanceof Response, 'cached: no promise at all');
    assert.deepEqual(await second.json(), { user: 'u2' });
  });
});
