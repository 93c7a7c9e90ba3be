/**
 * Agent limits (SPEC 4) in the authorization step: a credential scoped to agents A and B reaches
 * those agents only (403 forbidden otherwise), on any route declared with an `agentParam`. The
 * agent routes themselves come later; this route is declared here the same way they will be.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from '@hono/zod-openapi';
import { declareRoute } from '../../src/http/define-route.js';
import { handleError } from '../../src/http/middleware/error-handler.js';
import { createAppPipeline } from '../../src/http/app.js';
import { PipelineApp } from '../../src/platform/http/pipeline-app.js';
import { requirePrincipal } from '../../src/http/middleware/authorize.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';
import { expectError } from '../helpers/error-contract.js';

const runAgent = declareRoute({ category: 'execution', scope: 'agents:run', agentParam: 'agentId' }, {
  method: 'post',
  path: '/test/agents/{agentId}/text',
  request: { params: z.object({ agentId: z.string() }) },
  responses: { 200: { description: 'ran', content: { 'application/json': { schema: z.object({ agent: z.string(), user: z.string() }) } } } },
});

describe('agent limits', () => {
  let t: TestApp;
  let app: PipelineApp;
  before(async () => {
    t = await createTestApp();
    // As createApp does: every request through the application's pipeline (its dependencies, metrics and headers).
    app = new PipelineApp(createAppPipeline(t.deps));
    app.openapi(runAgent, (c) => c.json({ agent: c.req.valid('param').agentId, user: requirePrincipal(c).userId }, 200));
    app.onError(handleError);
  });
  after(async () => t.close());

  const call = async (path: string, headers: Record<string, string>) => {
    const res = await app.request(path, { method: 'POST', headers });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  it('a key scoped to agents a1 and a2 runs those and is refused any other', async () => {
    const key = (await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'scoped', agents: ['a1', 'a2'] } })).body.key as string;
    const headers = { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' };
    assert.deepEqual((await call('/test/agents/a1/text', headers)).body, { agent: 'a1', user: 'u' });
    assert.equal((await call('/test/agents/a2/text', headers)).status, 200);
    expectError(await call('/test/agents/a3/text', headers), 403, 'forbidden');

    // A workspace token minted with the key carries the same limit.
    const token = (await t.call('POST', '/v1/auth/tokens', { token: key, headers: { 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' } })).body.token as string;
    assert.equal((await call('/test/agents/a1/text', { Authorization: `Bearer ${token}` })).status, 200);
    expectError(await call('/test/agents/a3/text', { Authorization: `Bearer ${token}` }), 403, 'forbidden');
  });

  it('a key for all agents runs any; a key without agents:run runs none', async () => {
    const all = (await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'all' } })).body.key as string;
    assert.equal((await call('/test/agents/anything/text', { Authorization: `Bearer ${all}`, 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' })).status, 200);
    const readOnly = (await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'ro', scopes: ['threads:read'] } })).body.key as string;
    const refused = await call('/test/agents/a1/text', { Authorization: `Bearer ${readOnly}`, 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' });
    expectError(refused, 403, 'forbidden');
    assert.equal(refused.body.scope, 'agents:run');
  });
});
