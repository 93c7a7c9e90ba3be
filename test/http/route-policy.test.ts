/**
 * Every registered route goes through the authorization step. The test lists the routes the app
 * actually registered, fails on any that was not declared with a policy, and then proves the step
 * runs on each: data routes refuse a missing credential (401) and a credential without the scope
 * (403); admin routes refuse a missing or wrong admin key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { declaredPolicies } from '../../src/http/define-route.js';
import { GLOBAL_MIDDLEWARE } from '../../src/http/app.js';
import { expectError } from '../helpers/error-contract.js';

function registeredRoutes(t: TestApp): string[] {
  const keys = new Set<string>();
  for (const route of t.app.routes) {
    if (route.method === 'ALL') continue; // global middleware
    if (GLOBAL_MIDDLEWARE.has(route.handler)) continue; // global middleware of some methods (the body limit)
    keys.add(`${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return [...keys].sort();
}

const samplePath = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => `${name}_sample`);

describe('route policy', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('every registered route was declared with a policy', () => {
    const routes = registeredRoutes(t);
    assert.ok(routes.length >= 20, `expected the full API, found ${routes.length} routes`);
    const undeclared = routes.filter((key) => !declaredPolicies.has(key));
    assert.deepEqual(undeclared, [], 'routes registered without declareRoute');
  });

  it('every data route refuses a request with no credential (401, no error= in the challenge)', async () => {
    for (const key of registeredRoutes(t)) {
      const policy = declaredPolicies.get(key)!;
      if (policy.category !== 'data' && policy.category !== 'execution') continue;
      const [method, path] = key.split(' ') as [string, string];
      const res = await t.call(method, samplePath(path), method === 'GET' ? {} : { body: {} });
      expectError(res, 401, 'authentication_required');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="threadgate"', key);
    }
  });

  it('every data route refuses a credential without its scope (403 insufficient_scope)', async () => {
    const token = await t.tokenFor('u', 'w', []);
    for (const key of registeredRoutes(t)) {
      const policy = declaredPolicies.get(key)!;
      if (policy.category !== 'data' && policy.category !== 'execution') continue;
      const [method, path] = key.split(' ') as [string, string];
      const res = await t.call(method, samplePath(path), { token, ...(method === 'GET' ? {} : { body: {} }) });
      expectError(res, 403, 'forbidden');
      assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/, key);
    }
  });

  it('every route limited to API keys refuses a workspace token that has every scope (403)', async () => {
    const token = await t.tokenFor('u', 'w');
    const limited = registeredRoutes(t).filter((key) => declaredPolicies.get(key)!.sources !== undefined);
    assert.ok(limited.length >= 3, `expected the token minting and project-wide routes, found ${limited.join(', ')}`);
    for (const key of limited) {
      assert.deepEqual(declaredPolicies.get(key)!.sources, ['api_key'], key);
      const [method, path] = key.split(' ') as [string, string];
      expectError(await t.call(method, samplePath(path), { token, ...(method === 'GET' ? {} : { body: {} }) }), 403, 'forbidden');
    }
  });

  it('run leases are written with threads:write; the project-wide reads take an API key with threads:read', () => {
    for (const key of ['POST /v1/threads/{threadId}/runs/{leaseId}/heartbeat', 'POST /v1/threads/{threadId}/runs/{leaseId}/end']) {
      assert.deepEqual(declaredPolicies.get(key), { category: 'data', scope: 'threads:write' }, key);
    }
    for (const key of ['GET /v1/projects/threads', 'GET /v1/projects/threads/{threadId}/messages']) {
      assert.deepEqual(declaredPolicies.get(key), { category: 'data', scope: 'threads:read', sources: ['api_key'] }, key);
    }
  });

  it('memory routes read with memory:read, write with memory:write, and administer with the admin key', () => {
    const expected: Record<string, object> = {
      'GET /v1/memories': { category: 'data', scope: 'memory:read' },
      'GET /v1/memories/{memoryId}': { category: 'data', scope: 'memory:read' },
      'POST /v1/memories/search': { category: 'data', scope: 'memory:read' },
      'POST /v1/memories': { category: 'data', scope: 'memory:write' },
      'POST /v1/memories/batch': { category: 'data', scope: 'memory:write' },
      'PATCH /v1/memories/{memoryId}': { category: 'data', scope: 'memory:write' },
      'DELETE /v1/memories/{memoryId}': { category: 'data', scope: 'memory:write' },
      'POST /v1/memories/delete': { category: 'data', scope: 'memory:write' },
      'GET /admin/v1/users/{userId}/memories': { category: 'admin' },
      'DELETE /admin/v1/users/{userId}/memories': { category: 'admin' },
    };
    const registered = registeredRoutes(t).filter((key) => key.includes('/memories'));
    assert.deepEqual(registered.sort(), Object.keys(expected).sort());
    for (const [key, policy] of Object.entries(expected)) assert.deepEqual(declaredPolicies.get(key), policy, key);
  });

  it('every admin route refuses a missing or wrong admin key', async () => {
    const userToken = await t.tokenFor('u', 'w');
    for (const key of registeredRoutes(t)) {
      if (declaredPolicies.get(key)!.category !== 'admin') continue;
      const [method, path] = key.split(' ') as [string, string];
      const body = method === 'GET' ? {} : { body: {} };
      expectError(await t.call(method, samplePath(path), body), 401, 'authentication_required');
      expectError(await t.call(method, samplePath(path), { token: 'tg_admin_wrong', ...body }), 401, 'invalid_admin_key', ['tg_admin_wrong']);
      expectError(await t.call(method, samplePath(path), { token: userToken, ...body }), 401, 'invalid_admin_key');
    }
  });

  it('GET /metrics is the one metrics route: the admin key unless THREADGATE_METRICS_PUBLIC', async () => {
    const metrics = registeredRoutes(t).filter((key) => declaredPolicies.get(key)!.category === 'metrics');
    assert.deepEqual(metrics, ['GET /metrics']);
    expectError(await t.call('GET', '/metrics'), 401, 'authentication_required');
    expectError(await t.call('GET', '/metrics', { token: await t.tokenFor('u', 'w') }), 401, 'invalid_admin_key');
  });

  it('only the agent stream routes take a credential in the query string (EventSource)', () => {
    // A streaming route (WebSocket, EventSource) accepts ?token= / ?key= on its handshake
    // (test/http/middleware/authorize.test.ts); list each here once it exists.
    const streaming = registeredRoutes(t).filter((key) => declaredPolicies.get(key)!.streaming === true);
    assert.deepEqual(streaming, ['GET /v1/agents/{agentId}/stream', 'POST /v1/agents/{agentId}/stream']);
  });

  it('agent routes: admin for providers, agents and runs; management for cards; execution with agents:run and agent limits', () => {
    const agentRoutes = registeredRoutes(t).filter((key) => /\/(agents|providers|agent-runs)\b/.test(key));
    const policies = Object.fromEntries(agentRoutes.map((key) => [key, declaredPolicies.get(key)!]));
    assert.deepEqual(Object.keys(policies).sort(), [
      'DELETE /admin/v1/agents/{agentId}', 'DELETE /admin/v1/providers/{providerId}',
      'GET /admin/v1/agent-runs', 'GET /admin/v1/agents', 'GET /admin/v1/agents/{agentId}', 'GET /admin/v1/providers', 'GET /admin/v1/providers/{providerId}',
      'GET /v1/agents', 'GET /v1/agents/{agentId}', 'GET /v1/agents/{agentId}/stream',
      'PATCH /admin/v1/agents/{agentId}', 'PATCH /admin/v1/providers/{providerId}',
      'POST /admin/v1/agents', 'POST /admin/v1/providers',
      'POST /v1/agents/{agentId}/stream', 'POST /v1/agents/{agentId}/text',
    ]);
    for (const [key, policy] of Object.entries(policies)) {
      if (key.includes('/admin/')) assert.equal(policy.category, 'admin', key);
      else if (/\/(text|stream)$/.test(key)) {
        assert.equal(policy.category, 'execution', key);
        assert.equal(policy.scope, 'agents:run', key);
        assert.equal(policy.agentParam, 'agentId', key);
      } else assert.equal(policy.category, 'management', key);
    }
  });

  it('credential admin routes: API keys, authentication keys (with their PATCH) and auth rules, all with the admin key', () => {
    const credentialRoutes = registeredRoutes(t).filter((key) => /\/admin\/v1\/(api-keys|auth-keys|auth-rules)\b/.test(key));
    assert.deepEqual(credentialRoutes.sort(), [
      'DELETE /admin/v1/api-keys/{keyId}', 'DELETE /admin/v1/auth-keys/{keyId}', 'DELETE /admin/v1/auth-rules/{ruleId}',
      'GET /admin/v1/api-keys', 'GET /admin/v1/auth-keys', 'GET /admin/v1/auth-rules', 'GET /admin/v1/auth-rules/{ruleId}',
      'PATCH /admin/v1/auth-keys/{keyId}', 'PATCH /admin/v1/auth-rules/{ruleId}',
      'POST /admin/v1/api-keys', 'POST /admin/v1/auth-keys', 'POST /admin/v1/auth-rules',
    ]);
    for (const key of credentialRoutes) assert.deepEqual(declaredPolicies.get(key), { category: 'admin' }, key);
  });

  it('public routes answer without a credential', async () => {
    assert.equal((await t.call('GET', '/health')).status, 200);
    assert.equal((await t.call('GET', '/.well-known/jwks.json')).status, 200);
    const doc = await t.call('GET', '/doc');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.equal((await t.call('GET', '/ui')).status, 200);
  });

  it('capability routes (file URLs) take no bearer token: the URL decides, never a 401', async () => {
    const capability = registeredRoutes(t).filter((key) => declaredPolicies.get(key)!.category === 'capability');
    assert.deepEqual(capability, [
      'GET /v1/files/blobs/{workspaceTag}/{fileId}/{fileName}',
      'GET /v1/files/public/{workspaceTag}/{fileId}/{fileName}',
      'PUT /v1/files/blobs/{workspaceTag}/{fileId}/{fileName}',
    ]);
    const tag = 'A'.repeat(22);
    for (const key of capability) {
      const [method, path] = key.split(' ') as [string, string];
      const url = path.replace('{workspaceTag}', tag).replace('{fileId}', 'B'.repeat(22)).replace('{fileName}', 'a.txt');
      const res = await t.call(method, url, method === 'PUT' ? { body: 'x' } : {});
      assert.ok(res.status === 403 || res.status === 404, `${key}: ${res.status}`);
      assert.equal(res.headers.get('www-authenticate'), null, key);
    }
    // The signed routes check the signature first: an unsigned URL is refused as such.
    expectError(await t.call('GET', `/v1/files/blobs/${tag}/${'B'.repeat(22)}/a.txt`), 403, 'invalid_signed_url');
  });

  it('the OpenAPI document lists exactly the declared routes', async () => {
    const doc = (await t.call('GET', '/doc')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const declared = [...declaredPolicies.keys()].filter((key) => key !== 'GET /doc' && key !== 'GET /ui');
    assert.deepEqual(documented.sort(), declared.sort());
  });

  it('the document lists the errors any route of its category can answer: 401, 429, 503 where a credential is checked; 429, 503 on token routes', async () => {
    const doc = (await t.call('GET', '/doc')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const implied: Partial<Record<string, string[]>> = { data: ['401', '429', '503'], execution: ['401', '429', '503'], admin: ['401', '429', '503'], token: ['429', '503'] };
    let checked = 0;
    for (const [key, policy] of declaredPolicies) {
      const statuses = implied[policy.category];
      if (statuses === undefined || key === 'GET /doc' || key === 'GET /ui') continue;
      const [method, path] = key.split(' ') as [string, string];
      const listed = Object.keys(doc.paths[path]?.[method.toLowerCase()]?.responses ?? {});
      for (const status of statuses) assert.ok(listed.includes(status), `${key} does not list ${status} (lists ${listed.join(', ')})`);
      checked++;
    }
    assert.ok(checked > 40, `only ${checked} routes checked`);
  });
});
