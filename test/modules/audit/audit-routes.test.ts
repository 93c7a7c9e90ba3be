/**
 * The audit log end to end (src/modules/audit/): admin actions through the admin API and refused
 * credentials become audit events, listed by `GET /admin/v1/audit` with their actor, object,
 * before/after and never a secret; the filters, the keyset cursor and bad input; and
 * `threadgate audit` listing what the CLI's own admin actions recorded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from '../../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const admin = { token: TEST_ADMIN_KEY };

describe('GET /admin/v1/audit', () => {
  let t: TestApp;
  let apiKey: { id: string; key: string };
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  const audit = async (query = '') => {
    await t.deps.audit.flush();
    const res = await t.call('GET', `/admin/v1/audit${query}`, admin);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { events: Array<Record<string, any>>; next_cursor: string | null };
  };

  it('records admin actions: who, what, which object, before/after, and never the secret', async () => {
    const created = await t.call('POST', '/admin/v1/api-keys', { ...admin, body: { name: 'backend', scopes: ['threads:read'] } });
    assert.equal(created.status, 201);
    apiKey = created.body;
    const rule = await t.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'idp', issuer: 'https://idp.example.com', audience: 'app', jwks_uri: 'https://idp.example.com/jwks.json' } });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    assert.equal((await t.call('PATCH', `/admin/v1/auth-rules/${rule.body.id}`, { ...admin, body: { enabled: false } })).status, 200);
    assert.equal((await t.call('DELETE', `/admin/v1/api-keys/${apiKey.id}`, admin)).status, 204);
    assert.equal((await t.call('POST', '/admin/v1/users/user-7/revoke', admin)).status, 200);

    const { events } = await audit();
    assert.deepEqual(events.map((e) => e.kind), ['user.revoked', 'api_key.revoked', 'auth_rule.updated', 'auth_rule.created', 'api_key.created']);
    const [revokedUser, revokedKey, updated, , createdKey] = events;
    assert.deepEqual(revokedKey!.object, { type: 'api_key', id: apiKey.id });
    assert.deepEqual(revokedKey!.actor, { kind: 'admin_key', name: null });
    assert.equal(revokedKey!.route, `DELETE /admin/v1/api-keys/${apiKey.id}`);
    assert.deepEqual(revokedUser!.object, { type: 'user', id: 'user-7' });
    assert.equal(updated!.detail.before.enabled, true);
    assert.equal(updated!.detail.after.enabled, false);
    assert.deepEqual(createdKey!.detail.after.scopes, ['threads:read']);
    assert.equal(createdKey!.detail.after.prefix, apiKey.key.slice(0, createdKey!.detail.after.prefix.length));
    assert.ok(!JSON.stringify(events).includes(apiKey.key), 'the audit shows the API key itself');
  });

  it('records model provider and agent changes, never the provider\'s API key', async () => {
    const secret = 'sk-provider-secret-0123456789';
    const provider = await t.call('POST', '/admin/v1/providers', { ...admin, body: { id: 'local', base_url: 'http://127.0.0.1:9/v1', api_key: secret, models: ['m'] } });
    assert.equal(provider.status, 201, JSON.stringify(provider.body));
    assert.equal((await t.call('POST', '/admin/v1/agents', { ...admin, body: { id: 'helper', name: 'Helper', provider_id: 'local', model: 'm' } })).status, 201);
    assert.equal((await t.call('PATCH', '/admin/v1/agents/helper', { ...admin, body: { enabled: false } })).status, 200);
    assert.equal((await t.call('DELETE', '/admin/v1/agents/helper', admin)).status, 204);
    assert.equal((await t.call('DELETE', '/admin/v1/providers/local', admin)).status, 204);
    const events = [...(await audit('?object=local')).events, ...(await audit('?object=helper')).events];
    assert.deepEqual(events.map((e) => e.kind), ['model_provider.deleted', 'model_provider.created', 'agent.deleted', 'agent.updated', 'agent.created']);
    assert.deepEqual(events[1]!.object, { type: 'model_provider', id: 'local' });
    assert.deepEqual(events[1]!.detail.after.models, ['m']);
    assert.equal(events[3]!.detail.after.enabled, false);
    assert.ok(!JSON.stringify(events).includes(secret.slice(-4)), 'the audit shows (part of) the provider key');
  });

  it('records refused credentials: code, credential kind, address, route; never the credential', async () => {
    const wrong = `${apiKey.key}x`;
    expectError(await t.call('GET', '/v1/me', { token: wrong, headers: { 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' } }), 401, 'invalid_api_key', [wrong]);
    expectError(await t.call('GET', '/admin/v1/api-keys', { token: 'tg_admin_guess' }), 401, 'invalid_admin_key');
    const { events } = await audit('?kind=auth.failed');
    assert.equal(events.length, 2);
    const [adminGuess, apiKeyGuess] = events;
    assert.deepEqual(adminGuess!.detail, { code: 'invalid_admin_key', credential: 'admin_key', counted: true });
    assert.equal(adminGuess!.route, 'GET /admin/v1/api-keys');
    assert.equal(apiKeyGuess!.detail.code, 'invalid_api_key');
    assert.equal(apiKeyGuess!.detail.credential, 'api_key');
    assert.equal(apiKeyGuess!.actor.kind, 'anonymous');
    assert.equal(typeof apiKeyGuess!.address, 'string');
    assert.ok(!JSON.stringify(events).includes(wrong) && !JSON.stringify(events).includes('tg_admin_guess'), 'the audit shows a refused credential');
  });

  it('filters by actor, object and time, and pages with the cursor', async () => {
    assert.deepEqual((await audit(`?object=${apiKey.id}`)).events.map((e) => e.kind), ['api_key.revoked', 'api_key.created']);
    assert.ok((await audit('?actor=anonymous')).events.every((e) => e.kind === 'auth.failed'));
    assert.deepEqual((await audit('?since=2999-01-01T00:00:00Z')).events, []);
    assert.equal((await audit('?until=2000-01-01T00:00:00Z')).events.length, 0);
    const everything = (await audit()).events.map((e) => e.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { events: Array<Record<string, any>>; next_cursor: string | null } = await audit(`?limit=2${cursor !== null ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.events.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(paged, everything);
  });

  it('records the admin erase of a user\'s memories', async () => {
    const erased = await t.call('DELETE', '/admin/v1/users/user-8/memories', admin);
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    const { events } = await audit('?kind=user.memories_erased');
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.object, { type: 'user', id: 'user-8' });
    assert.deepEqual(events[0]!.detail, { erased: 0 });
  });

  it('refuses bad filters with validation_error', async () => {
    expectError(await t.call('GET', '/admin/v1/audit?kind=nope', admin), 400, 'validation_error');
    expectError(await t.call('GET', '/admin/v1/audit?actor=root', admin), 400, 'validation_error');
    expectError(await t.call('GET', '/admin/v1/audit?since=yesterday', admin), 400, 'validation_error');
    expectError(await t.call('GET', '/admin/v1/audit?limit=501', admin), 400, 'validation_error');
    expectError(await t.call('GET', '/admin/v1/audit?cursor=bm9wZQ', admin), 400, 'validation_error');
  });

  it('threadgate audit lists what the CLI did, with the actor cli', async () => {
    await t.deps.audit.flush();
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: t.deps.config.database.kind === 'sqlite' ? t.deps.config.database.path : '',
      THREADGATE_MASTER_KEY: TEST_MASTER_KEY,
      LOG_LEVEL: 'silent',
    };
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    const created = run(['api-keys', 'create', '--name', 'from-cli']);
    assert.equal(created.status, 0, created.stderr);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    const listed = run(['audit', '--actor', 'cli', '--limit', '5']);
    assert.equal(listed.status, 0, listed.stderr);
    const { events } = JSON.parse(listed.stdout) as { events: Array<Record<string, any>> };
    assert.equal(events.length, 1);
    assert.equal(events[0]!.kind, 'api_key.created');
    assert.deepEqual(events[0]!.object, { type: 'api_key', id });
    assert.equal(events[0]!.actor.kind, 'cli');
    // And the server lists it too.
    assert.ok((await audit(`?object=${id}`)).events.some((e) => e.actor.kind === 'cli'));
    const bad = run(['audit', '--actor', 'root']);
    assert.notEqual(bad.status, 0);
  });
});
