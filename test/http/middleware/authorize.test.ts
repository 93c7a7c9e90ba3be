/**
 * Credentials in the query string (`?token=`, admin `?key=`) are accepted only on routes declared
 * `streaming` (WebSocket and EventSource endpoints), and only on their handshake; every other
 * route, admin routes included, reads credentials from headers alone. No route of the API streams
 * yet, so the streaming routes here are test-only, declared the way the streaming routes will be.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from '@hono/zod-openapi';
import { declareRoute } from '../../../src/http/define-route.js';
import { handleError } from '../../../src/http/middleware/error-handler.js';
import { createAppPipeline } from '../../../src/http/app.js';
import { PipelineApp } from '../../../src/platform/http/pipeline-app.js';
import { requirePrincipal } from '../../../src/http/middleware/authorize.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { expectError } from '../../helpers/error-contract.js';

const ok = { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ who: z.string() }) } } } };
const userEvents = declareRoute({ category: 'data', scope: 'threads:read', streaming: true }, { method: 'get', path: '/test/events', responses: ok });
const adminEvents = declareRoute({ category: 'admin', streaming: true }, { method: 'get', path: '/test/admin/events', responses: ok });
const userPlain = declareRoute({ category: 'data', scope: 'threads:read' }, { method: 'get', path: '/test/plain', responses: ok });

const SSE = { Accept: 'text/event-stream' };
const WEBSOCKET = { Upgrade: 'websocket', Connection: 'Upgrade' };

describe('query-string credentials', () => {
  let t: TestApp;
  let app: PipelineApp;
  let token: string;
  before(async () => {
    t = await createTestApp();
    token = await t.tokenFor('u', 'w');
    // As createApp does: every request through the application's pipeline (its dependencies, metrics and headers).
    app = new PipelineApp(createAppPipeline(t.deps));
    app.openapi(userEvents, (c) => c.json({ who: requirePrincipal(c).userId }, 200));
    app.openapi(adminEvents, (c) => c.json({ who: 'admin' }, 200));
    app.openapi(userPlain, (c) => c.json({ who: requirePrincipal(c).userId }, 200));
    app.onError(handleError);
  });
  after(async () => t.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await app.request(path, { headers });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  it('a streaming route takes ?token= on an EventSource or WebSocket handshake', async () => {
    assert.deepEqual((await get(`/test/events?token=${token}`, SSE)).body, { who: 'u' });
    assert.deepEqual((await get(`/test/events?token=${token}`, WEBSOCKET)).body, { who: 'u' });
    // Not a handshake: headers only.
    expectError(await get(`/test/events?token=${token}`), 401, 'authentication_required');
  });

  it('a streaming admin route takes ?key= on a handshake only', async () => {
    assert.deepEqual((await get(`/test/admin/events?key=${TEST_ADMIN_KEY}`, SSE)).body, { who: 'admin' });
    expectError(await get(`/test/admin/events?key=${TEST_ADMIN_KEY}`), 401, 'authentication_required');
  });

  it('a route not declared streaming refuses ?token= even on a handshake', async () => {
    expectError(await get(`/test/plain?token=${token}`, SSE), 401, 'authentication_required');
    expectError(await get(`/test/plain?token=${token}`, WEBSOCKET), 401, 'authentication_required');
    assert.equal((await get('/test/plain', { Authorization: `Bearer ${token}` })).status, 200);
  });

  it('no route of the API takes a credential in the URL: ?key= on an admin route, ?token= on a data route', async () => {
    const admin = await t.call('GET', `/admin/v1/api-keys?key=${TEST_ADMIN_KEY}`, { headers: SSE });
    expectError(admin, 401, 'authentication_required', [TEST_ADMIN_KEY]);
    expectError(await t.call('GET', `/admin/v1/api-keys?key=${TEST_ADMIN_KEY}`, { headers: WEBSOCKET }), 401, 'authentication_required');
    expectError(await t.call('GET', `/v1/threads?token=${token}`, { headers: SSE }), 401, 'authentication_required');
    // Headers still work, of course.
    assert.equal((await t.call('GET', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY })).status, 200);
  });
});
