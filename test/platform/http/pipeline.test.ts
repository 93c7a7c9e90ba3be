import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../../../src/http/context.js';
import { depsOf, RequestPipeline, standardHeaderSetsOf, type PipelineHook } from '../../../src/platform/http/pipeline.js';
import { PipelineApp } from '../../../src/platform/http/pipeline-app.js';
import { createAppPipeline } from '../../../src/http/app.js';
import { API_SECURITY_HEADERS, createStandardHeaderSets } from '../../../src/http/middleware/standard-headers.js';
import { sendJson } from '../../../src/http/respond.js';
import { createMetrics } from '../../../src/platform/metrics/metrics.js';
import { authorizationFold, declareRoute } from '../../../src/http/define-route.js';
import { requirePrincipal } from '../../../src/http/middleware/authorize.js';
import { handleError, respondWithError } from '../../../src/http/middleware/error-handler.js';
import { limitBody } from '../../../src/http/middleware/body-limit.js';
import { FoldingRouter } from '../../../src/platform/http/router/folding-router.js';
import { createHonoRouter } from '../../../src/platform/http/router/static-first-router.js';
import { ThreadgateError } from '../../../src/errors.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const metrics = createMetrics();
const deps = { marker: 'these deps', metrics } as unknown as AppDeps;

function build(corsOrigins: string[]) {
  const headers = createStandardHeaderSets({ corsOrigins, userTokenHeader: null });
  const app = new PipelineApp(createAppPipeline(deps, headers));
  app.get('/deps', (c) => c.text(String((depsOf(c) as unknown as { marker: string }).marker)));
  app.get('/json', (c) => sendJson(c, { ok: true }, 200));
  app.get('/later', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return c.text('later');
  });
  app.get('/own', (c) => c.text('own', 200, { 'X-Frame-Options': 'SAMEORIGIN' }));
  app.get('/headers', (c) => c.text(standardHeaderSetsOf(c) === headers ? 'same' : 'other'));
  return app;
}

describe('request pipeline: the application context', () => {
  it('hands every request the application dependencies, without any middleware', async () => {
    const app = build([]);
    assert.equal(await (await app.request('/deps')).text(), 'these deps');
    assert.equal(await (await app.request('/headers')).text(), 'same');
    assert.equal(app.routes.length, 5, 'nothing registered besides the routes');
  });

  it('observes every completed request once in the request metrics (no declared route ran: unmatched)', async () => {
    const app = build([]);
    const count = async () => (await metrics.registry.getSingleMetric('threadgate_http_request_duration_seconds')!.get()).values.find((v) => (v as { metricName?: string }).metricName === 'threadgate_http_request_duration_seconds_count' && v.labels.route === 'unmatched' && v.labels.status === '200')?.value ?? 0;
    const before = await count();
    await app.request('/deps');
    await app.request('/later');
    assert.equal(await count(), before + 2);
  });

  it('completes the standard headers of responses built any other way, sync or async, keeping their own', async () => {
    const app = build(['https://app.example']);
    for (const path of ['/deps', '/later', '/json']) {
      const res = await app.request(path, { headers: { Origin: 'https://app.example' } });
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) assert.equal(res.headers.get(name), value, `${path}: ${name}`);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example', path);
      assert.equal(res.headers.get('vary'), 'Origin', path);
    }
    const other = await app.request('/deps', { headers: { Origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'an origin not listed is named nowhere');
    const own = await app.request('/own');
    assert.equal(own.headers.get('x-frame-options'), 'SAMEORIGIN', 'a header the response set stays');
  });

  it('outside a pipeline there is no context, and asking for the deps says why (a TypeError: a wiring mistake)', async () => {
    const app = new OpenAPIHono<AppEnv>();
    app.get('/x', (c) => c.text(standardHeaderSetsOf(c) === undefined ? 'none' : 'some'));
    app.get('/deps', (c) => c.text(String(depsOf(c))));
    app.onError((error, c) => c.text(`${error.name}: ${error.message}`, 500));
    assert.equal(await (await app.request('/x')).text(), 'none');
    assert.match(await (await app.request('/deps')).text(), /^TypeError: .*createApp/);
  });
});

const ok = { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ user: z.string() }) } } } };
const pipelineMe = declareRoute({ category: 'data', scope: 'threads:read' }, { method: 'get', path: '/test/pipeline/me', responses: ok });

describe('request pipeline: hooks', () => {
  let t: TestApp;
  let app: PipelineApp;
  const log: string[] = [];
  /** A hook that writes every call to `log`, and what it saw. */
  const recorder = (name: string): PipelineHook => ({
    name,
    onRequest: (exchange) => void log.push(`${name} request ${exchange.route ?? '-'}`),
    onAuthenticated: (_exchange, authenticated) => void log.push(`${name} authenticated ${authenticated.credential}`),
    onResponse(exchange, response) {
      log.push(`${name} response ${response.status} ${exchange.route ?? '-'}${response.headers.has('x-first') ? ' +first' : ''}`);
      // The first hook hands on a response of its own: the next hook sees it, and it is what is sent.
      if (name === 'first') return new Response(response.body, { status: response.status, headers: { ...Object.fromEntries(response.headers), 'X-First': 'yes' } });
      return undefined;
    },
  });

  before(async () => {
    t = await createTestApp();
    const headers = createStandardHeaderSets({ corsOrigins: [], userTokenHeader: null });
    app = new PipelineApp(new RequestPipeline({ deps: t.deps, headers }, [recorder('first'), recorder('second')]), {
      router: new FoldingRouter(createHonoRouter(), authorizationFold),
    });
    app.on(['POST'], '*', limitBody(16));
    app.openapi(pipelineMe, (c) => sendJson(c, { user: requirePrincipal(c).userId }, 200));
    app.get('/test/pipeline/boom', () => {
      throw new Error('boom');
    });
    app.post('/test/pipeline/echo', (c) => c.text('echo'));
    app.notFound((c) => respondWithError(c, new ThreadgateError('not_found')));
    app.onError(handleError);
  });
  after(async () => t.close());

  /** The request, and the log it wrote. */
  const run = async (path: string, init: RequestInit = {}) => {
    log.length = 0;
    const res = await app.request(path, init);
    return { res, log: [...log] };
  };

  it('run in order, once each, around every kind of answer: a route, not found, the body limit, an error', async () => {
    const token = await t.tokenFor('u1', 'w1');
    const me = await run('/test/pipeline/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.res.status, 200);
    assert.deepEqual(me.log, [
      'first request -', 'second request -',
      'first authenticated workspace_token', 'second authenticated workspace_token',
      'first response 200 /test/pipeline/me', 'second response 200 /test/pipeline/me +first',
    ]);
    assert.equal(me.res.headers.get('x-first'), 'yes', 'the response a hook handed on is the one sent');

    const answers: Array<[string, RequestInit, number]> = [
      ['/test/pipeline/nowhere', {}, 404],
      ['/test/pipeline/echo', { method: 'POST', body: 'a body longer than sixteen bytes' }, 413],
      ['/test/pipeline/boom', {}, 500],
      ['/test/pipeline/me', {}, 401],
    ];
    for (const [path, init, status] of answers) {
      const { res, log: written } = await run(path, init);
      assert.equal(res.status, status, path);
      const route = path === '/test/pipeline/me' ? path : '-';
      assert.deepEqual(written, ['first request -', 'second request -', `first response ${status} ${route}`, `second response ${status} ${route} +first`], `${path}: no authentication, one response`);
    }
  });

  it('run synchronously: a cached credential is answered, hooks and all, in the same tick', async () => {
    const token = await t.tokenFor('u2', 'w2');
    const request = () => new Request('http://localhost/test/pipeline/me', { headers: { Authorization: `Bearer ${token}` } });
    const first = app.fetch(request());
    assert.ok(first instanceof Promise, 'first sight: verified asynchronously');
    assert.equal((await first).status, 200);
    log.length = 0;
    const answer = app.fetch(request());
    assert.ok(answer instanceof Response, 'cached: no promise at all');
    assert.equal(log.length, 6, 'every hook already ran');
    assert.deepEqual(await answer.json(), { user: 'u2' });
  });
});
