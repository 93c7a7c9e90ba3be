/**
 * Project-wide lists (`GET /v1/projects/threads`, `GET /v1/projects/threads/{id}/messages`): an API
 * key reads every workspace of its project, and only its project, keyset-paginated; every other
 * credential kind gets 403 `forbidden`, even a workspace token minted from an API key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { createApiKey } from '../../../src/auth/api-key.js';
import { expectError } from '../../helpers/error-contract.js';

const admin = { token: TEST_ADMIN_KEY };
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const ISSUER = 'https://idp.projects.test/';

describe('project-wide lists', () => {
  let t: TestApp;
  let jwks: JwksServer;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let key: string;
  const identity = { 'Aui-User-Id': 'backend', 'Aui-Workspace-Id': 'ws-backend' };
  /** alice's and bob's threads; alice's has messages (one with a run lease), so it is the newest. */
  let threads: { alice: string; bob: string; bobArchived: string };
  let messages: { first: string; leased: string };

  const asKey = (path: string, k = key, headers: Record<string, string> = identity) => t.call('GET', path, { token: k, headers });

  before(async () => {
    jwks = await startJwksServer({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    t = await createTestApp();
    key = (await t.call('POST', '/admin/v1/api-keys', { ...admin, body: { name: 'backend' } })).body.key;
    const alice = await t.tokenFor('alice', 'ws-alice');
    const bob = await t.tokenFor('bob', 'ws-bob');
    const create = async (token: string, title: string, at: string) =>
      (await t.call('POST', '/v1/threads', { token, body: { title, last_message_at: at } })).body.thread_id as string;
    const aliceThread = await create(alice, 'alice', '2026-01-01T00:00:01.000Z');
    const bobThread = await create(bob, 'bob', '2026-01-01T00:00:02.000Z');
    const bobArchived = await create(bob, 'bob archived', '2026-01-01T00:00:03.000Z');
    await t.call('PUT', `/v1/threads/${bobArchived}`, { token: bob, body: { is_archived: true } });
    threads = { alice: aliceThread, bob: bobThread, bobArchived };
    const post = async (body: object) => (await t.call('POST', `/v1/threads/${aliceThread}/messages`, { token: alice, body: { format: 'aui/v0', ...body } })).body;
    const first = (await post({ parent_id: null, content: { text: 'question' } })).message_id;
    const leased = (await post({ parent_id: first, content: { text: 'answer' }, open_run: true })).message_id;
    messages = { first, leased };
  });
  after(async () => {
    await t.close();
    await jwks.close();
  });

  it('an API key lists the unarchived threads of every workspace of its project, newest first; is_archived=true the archived ones', async () => {
    const res = await asKey('/v1/projects/threads');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.threads.map((x: { id: string }) => x.id), [threads.alice, threads.bob]);
    assert.deepEqual(res.body.threads.map((x: { workspace_id: string }) => x.workspace_id), ['ws-alice', 'ws-bob']);
    assert.deepEqual(Object.keys(res.body.threads[0]).sort(), [
      'created_at', 'external_id', 'id', 'is_archived', 'last_message_at', 'metadata', 'project_id', 'title', 'updated_at', 'workspace_id',
    ]);
    assert.deepEqual((await asKey('/v1/projects/threads?is_archived=false')).body.threads.map((x: { id: string }) => x.id), [threads.alice, threads.bob]);
    assert.deepEqual((await asKey('/v1/projects/threads?is_archived=true')).body.threads.map((x: { id: string }) => x.id), [threads.bobArchived]);
    // The identity headers say who asks; they do not narrow the list.
    const other = await asKey('/v1/projects/threads', key, { 'Aui-User-Id': 'alice', 'Aui-Workspace-Id': 'ws-alice' });
    assert.deepEqual(other.body, res.body);
  });

  it('pages chain across workspaces with the keyset cursor', async () => {
    const page1 = await asKey('/v1/projects/threads?limit=1');
    assert.deepEqual(page1.body.threads.map((x: { id: string }) => x.id), [threads.alice]);
    const page2 = await asKey(`/v1/projects/threads?limit=1&after=${threads.alice}`);
    assert.deepEqual(page2.body.threads.map((x: { id: string }) => x.id), [threads.bob]);
    assert.deepEqual((await asKey(`/v1/projects/threads?limit=1&after=${threads.bob}`)).body.threads, []);
    expectError(await asKey('/v1/projects/threads?limit=101'), 400, 'validation_error');
  });

  it('an API key lists any thread\'s messages, with their runs, paged like the workspace list', async () => {
    const res = await asKey(`/v1/projects/threads/${threads.alice}/messages`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.messages.map((m: { id: string }) => m.id), [messages.leased, messages.first]);
    assert.equal(res.body.messages[0].run.status, 'running');
    assert.equal(typeof res.body.messages[0].run.last_heartbeat_ms_ago, 'number');
    assert.equal(res.body.messages[1].run, undefined);
    const page2 = await asKey(`/v1/projects/threads/${threads.alice}/messages?limit=1&after=${messages.leased}`);
    assert.deepEqual(page2.body.messages.map((m: { id: string }) => m.id), [messages.first]);
    assert.deepEqual((await asKey(`/v1/projects/threads/${threads.alice}/messages?format=other`)).body.messages, []);
    expectError(await asKey('/v1/projects/threads/thread_missing/messages'), 404, 'not_found');
  });

  it('another project\'s API key sees none of this project\'s threads: empty list, 404 for a thread', async () => {
    const { key: otherKey } = await createApiKey(t.deps.credentials.repository, { projectId: 'other-project', name: 'other' });
    assert.deepEqual((await asKey('/v1/projects/threads', otherKey)).body, { threads: [] });
    assert.deepEqual((await asKey(`/v1/projects/threads?after=${threads.bob}`, otherKey)).body, { threads: [] });
    const res = await asKey(`/v1/projects/threads/${threads.alice}/messages`, otherKey);
    expectError(res, 404, 'not_found');
    assert.ok(!JSON.stringify(res.body).includes('question'));
  });

  it('every other credential kind is 403 forbidden on both routes', async () => {
    // A workspace token, one minted from the API key itself, an anonymous session, an app-signed
    // user token, and an identity provider's token.
    const workspaceToken = await t.tokenFor('alice', 'ws-alice');
    const minted = (await t.call('POST', '/v1/auth/tokens', { token: key, headers: identity })).body.token as string;
    const anonymous = (await t.call('POST', '/v1/auth/tokens/anonymous')).body.access_token as string;
    const authKey = (await t.call('POST', '/admin/v1/auth-keys', { ...admin, body: { name: 'app' } })).body as { id: string; secret: string };
    const userInput = `${part({ alg: 'HS256', typ: 'JWT', kid: authKey.id })}.${part({ sub: 'ursula', exp: nowSeconds() + 600 })}`;
    const userToken = `${userInput}.${createHmac('sha256', authKey.secret).update(userInput).digest('base64url')}`;
    const rule = await t.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'idp', issuer: ISSUER, audience: 'aud', jwks_uri: jwks.url, token_type: 'access' } });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    const idpInput = `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part({ iss: ISSUER, aud: 'aud', sub: 'irene', exp: nowSeconds() + 600, jti: randomBytes(8).toString('hex') })}`;
    const idpToken = `${idpInput}.${createSign('sha256').update(idpInput).sign(idp.privateKey).toString('base64url')}`;

    const credentials = { workspaceToken, minted, anonymous, userToken, idpToken };
    for (const [kind, token] of Object.entries(credentials)) {
      assert.equal((await t.call('GET', '/v1/me', { token })).status, 200, `${kind} is a valid credential`);
      for (const path of ['/v1/projects/threads', `/v1/projects/threads/${threads.alice}/messages`]) {
        const res = await t.call('GET', path, { token });
        expectError(res, 403, 'forbidden');
        assert.ok(!JSON.stringify(res.body).includes('question'), `${kind} ${path} leaked content`);
      }
    }
    expectError(await t.call('GET', '/v1/projects/threads'), 401, 'authentication_required');
  });

  it('an API key needs threads:read, its identity headers, and to be live', async () => {
    const writeOnly = (await t.call('POST', '/admin/v1/api-keys', { ...admin, body: { name: 'write only', scopes: ['threads:write'] } })).body;
    expectError(await asKey('/v1/projects/threads', writeOnly.key), 403, 'forbidden');
    // Every API key request is verified alike: the client always sends both headers.
    const res = await t.call('GET', '/v1/projects/threads', { token: key });
    expectError(res, 400, 'validation_error', [key]);
    assert.equal(res.body.field, 'Aui-User-Id');
    const revoked = (await t.call('POST', '/admin/v1/api-keys', { ...admin, body: { name: 'revoked' } })).body;
    assert.equal((await asKey('/v1/projects/threads', revoked.key)).status, 200);
    await t.call('DELETE', `/admin/v1/api-keys/${revoked.id}`, admin);
    expectError(await asKey('/v1/projects/threads', revoked.key), 401, 'invalid_api_key', [revoked.key]);
  });
});
