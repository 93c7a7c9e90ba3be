/**
 * `GET /metrics` (src/platform/metrics/): the admin key guards it unless THREADGATE_METRICS_PUBLIC;
 * after some requests the scrape counts them by route template, method and status, the
 * authentications by credential kind and outcome, the credential cache's hits and misses, the
 * database queries and the audit queue; JWKS fetches by outcome; the event bus's lag.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { createMetrics } from '../../../src/platform/metrics/metrics.js';
import { subscribeMetrics } from '../../../src/platform/metrics/metrics-subscriber.js';
import { createProviderKeys } from '../../../src/auth/oidc/provider-keys.js';
import type { AnyDomainEvent, EventBus } from '../../../src/platform/events/bus.js';
import type { AuthRuleRecord } from '../../../src/auth/credential-records.js';
import { serviceUrl } from '../../helpers/services.js';
import { createTempDatabase, type TempDatabase } from '../../helpers/postgres-database.js';

/** The value of the sample `name` whose labels include `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  const scrape = async () => {
    const res = await t.call('GET', '/metrics', { token: TEST_ADMIN_KEY });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    // The standard headers, as on every response.
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    return res.body as string;
  };

  it('needs the admin key', async () => {
    expectError(await t.call('GET', '/metrics'), 401, 'authentication_required');
    expectError(await t.call('GET', '/metrics', { token: 'tg_admin_wrong' }), 401, 'invalid_admin_key', ['tg_admin_wrong']);
    expectError(await t.call('GET', '/metrics', { token: await t.tokenFor('u', 'w') }), 401, 'invalid_admin_key');
  });

  it('counts requests by route template, method and status, with their latency', async () => {
    const token = await t.tokenFor('u1', 'w1');
    for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', '/health')).status, 200);
    const thread = await t.call('POST', '/v1/threads', { token, body: { title: 'x' } });
    assert.equal(thread.status, 201);
    for (let i = 0; i < 2; i++) assert.equal((await t.call('GET', `/v1/threads/${thread.body.thread_id ?? thread.body.id}`, { token })).status, 200);
    assert.equal((await t.call('GET', '/v1/threads/nope', { token })).status, 404);
    assert.equal((await t.call('GET', '/no/such/route')).status, 404);

    const text = await scrape();
    const count = (route: string, method: string, status: string) => sample(text, 'threadgate_http_request_duration_seconds_count', { route, method, status });
    assert.equal(count('/health', 'GET', '200'), 3);
    assert.equal(count('/v1/threads', 'POST', '201'), 1);
    assert.equal(count('/v1/threads/{threadId}', 'GET', '200'), 2);
    assert.equal(count('/v1/threads/{threadId}', 'GET', '404'), 1);
    assert.equal(count('unmatched', 'GET', '404'), 1);
    // The path itself is never a label.
    assert.ok(!text.includes('/v1/threads/nope') && !text.includes('/no/such/route'));
    assert.ok((sample(text, 'threadgate_http_request_duration_seconds_bucket', { route: '/health', method: 'GET', status: '200', le: '+Inf' }) ?? 0) === 3);
    assert.ok((sample(text, 'threadgate_http_request_duration_seconds_sum', { route: '/health', method: 'GET', status: '200' }) ?? -1) >= 0);
  });

  it('counts authentications by kind and outcome, and the credential cache', async () => {
    const created = await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'm' } });
    const wrongKey = `${created.body.key as string}x`;
    const before = await scrape();
    const token = await t.tokenFor('u2', 'w2');
    for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', '/v1/me', { token })).status, 200);
    expectError(await t.call('GET', '/v1/me', { token: wrongKey, headers: { 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' } }), 401, 'invalid_api_key', [wrongKey]);
    const text = await scrape();
    const delta = (name: string, labels: Record<string, string>) => (sample(text, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    assert.equal(delta('threadgate_authentications_total', { credential: 'workspace_token', outcome: 'ok' }), 3);
    assert.equal(delta('threadgate_authentications_total', { credential: 'api_key', outcome: 'invalid_api_key' }), 1);
    // The scrape itself authenticated with the admin key (the earlier scrape and this one).
    assert.ok(delta('threadgate_authentications_total', { credential: 'admin_key', outcome: 'ok' }) >= 1);
    // The first /v1/me verified the token in full, the next two came from the cache.
    assert.equal(delta('threadgate_credential_cache_total', { result: 'miss' }), 2); // the token's first use and the refused key
    assert.equal(delta('threadgate_credential_cache_total', { result: 'hit' }), 2);
  });

  it('shows database queries, the audit queue and process metrics', async () => {
    const text = await scrape();
    assert.ok((sample(text, 'threadgate_db_query_duration_seconds_count', { outcome: 'ok' }) ?? 0) > 0);
    assert.equal(sample(text, 'threadgate_audit_dropped_total', { reason: 'queue_full' }), 0);
    assert.equal(sample(text, 'threadgate_audit_dropped_total', { reason: 'write_failed' }), 0);
    assert.notEqual(sample(text, 'threadgate_audit_queue_length'), undefined);
    assert.notEqual(sample(text, 'threadgate_process_resident_memory_bytes'), undefined);
  });
});

describe('GET /metrics with THREADGATE_METRICS_PUBLIC=true', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp({ THREADGATE_METRICS_PUBLIC: 'true' })));
  after(async () => t.close());

  it('answers without a credential', async () => {
    const res = await t.call('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.body as string, /threadgate_http_request_duration_seconds/);
  });
});

const postgresUrl = serviceUrl('TEST_POSTGRES_URL');

describe('GET /metrics on PostgreSQL', { skip: postgresUrl === undefined }, () => {
  let database: TempDatabase;
  let t: TestApp;
  before(async () => {
    database = await createTempDatabase(postgresUrl!, 'metrics');
    t = await createTestApp({ DATABASE_URL: database.url });
  });
  after(async () => {
    await t?.close();
    await database?.drop();
  });

  it('shows the connection pool and the queries', async () => {
    assert.equal((await t.call('GET', '/health')).status, 200);
    const res = await t.call('GET', '/metrics', { token: TEST_ADMIN_KEY });
    assert.equal(res.status, 200);
    const text = res.body as string;
    assert.ok((sample(text, 'threadgate_db_pool_connections', { state: 'total' }) ?? 0) >= 1);
    assert.equal(sample(text, 'threadgate_db_pool_connections', { state: 'waiting' }), 0);
    assert.ok((sample(text, 'threadgate_db_query_duration_seconds_count', { outcome: 'ok' }) ?? 0) > 0);
  });
});

describe('metrics fed by other parts', () => {
  it('JWKS fetches are counted by outcome', async () => {
    const metrics = createMetrics();
    let fail = false;
    const providerKeys = createProviderKeys(
      { jwksCooldownMs: 0, fetchTimeoutMs: 5000, allowHttp: true },
      {
        fetch: async () => (fail ? new Response('down', { status: 503 }) : new Response(JSON.stringify({ keys: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } })),
        onJwksFetch: metrics.countJwksFetch,
      },
    );
    const rule = { id: 'ar_1', projectId: 'default', name: 'r', provider: null, issuer: 'https://idp.test', audience: 'a', jwksUri: 'http://127.0.0.1:1/jwks.json', discoveryUrl: null, algorithms: ['RS256'], tokenType: 'any', userIdClaim: 'sub', workspaceTemplate: null, requiredClaims: {}, scopesClaim: null, enabled: true, createdAt: 0, updatedAt: 0 } as unknown as AuthRuleRecord;
    await providerKeys.warmUp([rule]);
    fail = true;
    await providerKeys.warmUp([{ ...rule, jwksUri: 'http://127.0.0.1:1/other.json' }]);
    const text = await metrics.registry.metrics();
    assert.equal(sample(text, 'threadgate_jwks_fetches_total', { outcome: 'ok' }), 1);
    assert.equal(sample(text, 'threadgate_jwks_fetches_total', { outcome: 'error' }), 1);
  });

  it('remote domain events give the bus lag; auth.failed counts as an authentication', async () => {
    const metrics = createMetrics();
    const handlers: Record<string, Array<(event: AnyDomainEvent) => void>> = {};
    const bus = {
      subscribe: (type: string, handler: (event: AnyDomainEvent) => void) => {
        (handlers[type] ??= []).push(handler);
        return () => undefined;
      },
    } as unknown as EventBus;
    subscribeMetrics(bus, metrics, () => 10_500);
    const deliver = (event: AnyDomainEvent) => [...(handlers[event.type] ?? []), ...(handlers['*'] ?? [])].forEach((h) => h(event));
    deliver({ id: 'e1', type: 'api_key.revoked', payload: { id: 'k' }, actor: { kind: 'system' }, at: 10_000, remote: true });
    deliver({ id: 'e2', type: 'api_key.revoked', payload: { id: 'k' }, actor: { kind: 'system' }, at: 10_000, remote: false });
    deliver({ id: 'e3', type: 'auth.failed', payload: { code: 'token_expired', credential: 'user_token', address: 'a', route: 'GET /v1/me', counted: false }, actor: { kind: 'anonymous' }, at: 10_000, remote: false });
    const text = await metrics.registry.metrics();
    assert.equal(sample(text, 'threadgate_event_bus_lag_seconds_count'), 1, 'local events have no lag to measure');
    assert.equal(sample(text, 'threadgate_event_bus_lag_seconds_sum'), 0.5);
    assert.equal(sample(text, 'threadgate_authentications_total', { credential: 'user_token', outcome: 'token_expired' }), 1);
  });
});
