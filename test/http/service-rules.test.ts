/**
 * Service auth rules (issue 13 item 4): a backend's client-credentials token from the identity
 * provider, accepted by a rule marked `service`, acts for the user named in Aui-User-Id /
 * Aui-Workspace-Id with the rule's scopes, never as a user itself; it is not exchanged for a
 * workspace token, and a user revocation does not refuse it (it is the backend's, as an API key is).
 * A token of an ordinary rule ignores those headers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createTestApp, expectError, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';

const admin = { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } };
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('service auth rules', () => {
  let t: TestApp;
  let jwks: JwksServer;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const SERVICE_ISSUER = 'https://idp.service.test/';
  const USER_ISSUER = 'https://idp.users.test/';
  function token(issuer: string, claims: Record<string, unknown>): string {
    const input = `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part({ iss: issuer, aud: 'api', exp: nowSeconds() + 600, iat: nowSeconds() - 1, jti: randomBytes(8).toString('hex'), ...claims })}`;
    return `${input}.${createSign('sha256').update(input).sign(idp.privateKey).toString('base64url')}`;
  }
  // A client-credentials token: the subject is the backend's client, and it names its scopes.
  const serviceToken = (scope = 'memory:read memory:write') => token(SERVICE_ISSUER, { sub: 'backend-client@clients', scope, client_id: 'backend-client' });
  const as = (userId: string, workspaceId: string) => ({ 'Aui-User-Id': userId, 'Aui-Workspace-Id': workspaceId });

  before(async () => {
    jwks = await startJwksServer({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    t = await createTestApp();
    const service = await t.call('POST', '/admin/v1/auth-rules', {
      ...admin,
      body: { name: 'backend', issuer: SERVICE_ISSUER, audience: 'api', jwks_uri: jwks.url, token_type: 'access', scopes_claim: 'scope', required_claims: { client_id: 'backend-client' }, service: true },
    });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    assert.equal(service.body.service, true);
    const users = await t.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'users', issuer: USER_ISSUER, audience: 'api', jwks_uri: jwks.url, token_type: 'access' } });
    assert.equal(users.status, 201);
    assert.equal(users.body.service, false, 'a rule is not a service rule unless marked');
  });
  after(async () => {
    await t.close();
    await jwks.close();
  });

  it('acts for the user in the headers, with the rule\'s scopes, and is not exchanged', async () => {
    const created = await t.call('POST', '/v1/memories', { token: serviceToken(), headers: as('alice', 'ws-alice'), body: { text: 'Prefers tea' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('authorization'), null, 'a backend\'s token is not exchanged for a user\'s workspace token');
    // Alice's own credential sees it: the backend wrote as her.
    const alice = await t.tokenFor('alice', 'ws-alice');
    assert.deepEqual((await t.call('GET', '/v1/memories', { token: alice })).body.memories.map((m: any) => m.text), ['Prefers tea']);
    const me = await t.call('GET', '/v1/me', { token: serviceToken('threads:read'), headers: as('bob', 'ws-bob') });
    assert.equal(me.status, 200);
    assert.equal(me.body.user_id, 'bob');
    assert.equal(me.body.workspace_id, 'ws-bob');
    assert.equal(me.body.source, 'auth_rule');
    // The token's scopes narrow it: read only.
    const readOnly = serviceToken('memory:read');
    assert.equal((await t.call('GET', '/v1/memories', { token: readOnly, headers: as('alice', 'ws-alice') })).status, 200);
    expectError(await t.call('POST', '/v1/memories', { token: readOnly, headers: as('alice', 'ws-alice'), body: { text: 'x' } }), 403, 'forbidden');
  });

  it('never acts as a user itself: without the identity headers it is refused, naming the header', async () => {
    const res = await t.call('GET', '/v1/memories', { token: serviceToken() });
    expectError(res, 400, 'validation_error');
    assert.equal(res.body.field, 'Aui-User-Id');
    const noWorkspace = await t.call('GET', '/v1/memories', { token: serviceToken(), headers: { 'Aui-User-Id': 'alice' } });
    expectError(noWorkspace, 400, 'validation_error');
    assert.equal(noWorkspace.body.field, 'Aui-Workspace-Id');
    // The same token with headers, then without: the cached acceptance with headers is not reused.
    const tokenText = serviceToken();
    assert.equal((await t.call('GET', '/v1/memories', { token: tokenText, headers: as('carol', 'ws-carol') })).status, 200);
    expectError(await t.call('GET', '/v1/memories', { token: tokenText }), 400, 'validation_error');
    // And each user its own: the same token for another user sees that user's memories only.
    await t.call('POST', '/v1/memories', { token: tokenText, headers: as('carol', 'ws-carol'), body: { text: 'carol only' } });
    assert.deepEqual((await t.call('GET', '/v1/memories', { token: tokenText, headers: as('dave', 'ws-carol') })).body.memories, []);
  });

  it('a service rule must pin its client with a required claim', async () => {
    const res = await t.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'loose', issuer: 'https://idp.loose.test/', audience: 'api', jwks_uri: jwks.url, service: true } });
    expectError(res, 400, 'validation_error');
    assert.equal(res.body.field, 'required_claims');
  });

  it('still checks everything else: another issuer\'s client, a missing required claim', async () => {
    const wrongClient = token(SERVICE_ISSUER, { sub: 'other@clients', scope: 'memory:read', client_id: 'someone-else' });
    expectError(await t.call('GET', '/v1/memories', { token: wrongClient, headers: as('alice', 'ws-alice') }), 401, 'invalid_claims');
  });

  it('a token of an ordinary rule ignores the identity headers: it is its own user', async () => {
    const jane = token(USER_ISSUER, { sub: 'jane' });
    const me = await t.call('GET', '/v1/me', { token: jane, headers: as('alice', 'ws-alice') });
    assert.equal(me.status, 200);
    assert.equal(me.body.user_id, 'jane');
    assert.notEqual(me.headers.get('authorization'), null, 'a user\'s provider token is exchanged as before');
  });

  it('a user revocation does not refuse the backend acting for the user; disabling the rule does', async () => {
    const before = serviceToken();
    assert.equal((await t.call('POST', '/admin/v1/users/erin/revoke', admin)).status, 200);
    assert.equal((await t.call('GET', '/v1/memories', { token: before, headers: as('erin', 'ws-erin') })).status, 200);
    const rules = (await t.call('GET', '/admin/v1/auth-rules', admin)).body.auth_rules as Array<{ id: string; name: string }>;
    const backend = rules.find((rule) => rule.name === 'backend')!;
    const off = await t.call('PATCH', `/admin/v1/auth-rules/${backend.id}`, { ...admin, body: { enabled: false } });
    assert.equal(off.body.service, true, 'a patch leaves the flag as it was');
    expectError(await t.call('GET', '/v1/memories', { token: serviceToken(), headers: as('erin', 'ws-erin') }), 401, 'unknown_issuer');
  });
});
