import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../../src/http/context.js';
import { appContextOf, bindAppContext, depsOf } from '../../src/http/app-context.js';
import { API_SECURITY_HEADERS, createStandardHeaderSets } from '../../src/http/middleware/standard-headers.js';
import { sendJson } from '../../src/http/respond.js';
import { createMetrics } from '../../src/platform/metrics/metrics.js';

const metrics = createMetrics();
const deps = { marker: 'these deps', metrics } as unknown as AppDeps;

function build(corsOrigins: string[]) {
  const app = new OpenAPIHono<AppEnv>();
  const headers = createStandardHeaderSets({ corsOrigins, userTokenHeader: null });
  app.get('/deps', (c) => c.text(String((depsOf(c) as unknown as { marker: string }).marker)));
  app.get('/json', (c) => sendJson(c, { ok: true }, 200));
  app.get('/later', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return c.text('later');
  });
  app.get('/own', (c) => c.text('own', 200, { 'X-Frame-Options': 'SAMEORIGIN' }));
  app.get('/context', (c) => c.text(appContextOf(c)?.deps === deps ? 'same' : 'other'));
  bindAppContext(app, { deps, headers });
  return app;
}

describe('app context', () => {
  it('hands every request the application dependencies, without any middleware', async () => {
    const app = build([]);
    assert.equal(await (await app.request('/deps')).text(), 'these deps');
    assert.equal(await (await app.request('/context')).text(), 'same');
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

  it('a request without the application context finds none, and asking for its deps says why', async () => {
    const app = new OpenAPIHono<AppEnv>();
    app.get('/x', (c) => c.text(appContextOf(c) === undefined ? 'none' : 'some'));
    app.get('/deps', (c) => c.text(String(depsOf(c))));
    app.onError((error, c) => c.text(error.message, 500));
    assert.equal(await (await app.request('/x')).text(), 'none');
    assert.match(await (await app.request('/deps')).text(), /createApp/);
  });
});
