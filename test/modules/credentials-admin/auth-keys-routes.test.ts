/**
 * Authentication keys through the admin API and HS256 user tokens through the real app (SPEC 2.3,
 * issue 3 item 2): the secret is shown once, a token signed elsewhere with it works on /v1/me and
 * /v1/threads, deleting the key refuses its tokens (and the exchanged workspace tokens) on the
 * very next request, and bad input changes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { expectError } from '../../helpers/error-contract.js';

const admin = { token: TEST_ADMIN_KEY };

/** Signs the way an app backend would, with jose and the secret as shown. */
async function signWithJose(kid: string, secret: string, claims: Record<string, unknown>, expiresIn: string | number = '1h'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Signs with nothing but node:crypto, as `jwt.encode(..., secret, algorithm="HS256")` would. */
function signByHand(kid: string, secret: string, claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT', kid })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('admin API: authentication keys', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp({ THREADGATE_USER_TOKEN_HEADER: 'X-Algolia-Secure-User-Token' })));
  after(async () => t.close());

  const create = async (body: unknown) => t.call('POST', '/admin/v1/auth-keys', { ...admin, body });

  it('creates a key: 201 with id, secret, name, agents, created_at, and no-store', async () => {
    const res = await create({ name: 'Production authentication key', agents: 'all' });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body).sort(), ['agents', 'created_at', 'id', 'name', 'secret', 'user_fields']);
    assert.match(res.body.id, /^ak_[0-9a-z]{26}$/);
    assert.match(res.body.secret, /^sk-tg-[A-Za-z0-9_-]{43}$/);
    assert.equal(res.body.name, 'Production authentication key');
    assert.equal(res.body.agents, 'all');
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  it('lists keys newest first, never with a secret (nor the sealed one)', async () => {
    const first = (await create({ name: 'one' })).body;
    const second = (await create({ name: 'two', agents: ['support', 'sales'] })).body;
    const res = await t.call('GET', '/admin/v1/auth-keys', admin);
    assert.equal(res.status, 200);
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes(first.secret) && !text.includes(second.secret), 'no secret in the list');
    assert.ok(!/secret|v1\./.test(text), 'no sealed secret either');
    const ids = res.body.auth_keys.map((key: { id: string }) => key.id);
    assert.ok(ids.indexOf(second.id) < ids.indexOf(first.id), 'newest first');
    assert.deepEqual(res.body.auth_keys.find((key: { id: string }) => key.id === second.id), {
      id: second.id,
      name: 'two',
      agents: ['support', 'sales'],
      user_fields: {},
      created_at: second.created_at,
    });
  });

  it('stores the secret sealed, not in clear', async () => {
    const created = (await create({ name: 'sealed' })).body;
    const record = await t.deps.credentials.repository.getAuthKey(undefined, created.id);
    assert.ok(record);
    assert.ok(!record.secretEncrypted.includes(created.secret));
    assert.match(record.secretEncrypted, /^v1\./);
  });

  it('a token signed with jose using the shown secret works on GET /v1/me and /v1/threads', async () => {
    const { id, secret } = (await create({ name: 'backend' })).body;
    const token = await signWithJose(id, secret, { sub: 'alice' });
    const me = await t.call('GET', '/v1/me', { token });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.user_id, 'alice');
    assert.equal(me.body.workspace_id, 'alice', 'no workspace claim: the workspace is sub');
    assert.equal(me.body.source, 'user_token');
    assert.equal(me.body.credential_id, id);
    assert.equal(me.body.agents, 'all');
    const created = await t.call('POST', '/v1/threads', { token, body: { title: 'hello' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const listed = await t.call('GET', '/v1/threads', { token });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.threads.map((thread: { id: string }) => thread.id), [created.body.thread_id]);
  });

  it('a token signed by hand (HMAC over the UTF-8 secret) works, with the workspace claim and in the Algolia header', async () => {
    const { id, secret } = (await create({ name: 'python-like' })).body;
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = signByHand(id, secret, { sub: 'bob', workspace_id: 'org1_bob', exp });
    const me = await t.call('GET', '/v1/me', { token });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.workspace_id, 'org1_bob');
    const viaHeader = await t.call('GET', '/v1/me', { headers: { 'X-Algolia-Secure-User-Token': token } });
    assert.equal(viaHeader.status, 200, JSON.stringify(viaHeader.body));
    assert.equal(viaHeader.body.user_id, 'bob');
  });

  it('the response carries an exchanged workspace token, which dies with the key', async () => {
    const { id, secret } = (await create({ name: 'exchange' })).body;
    const token = await signWithJose(id, secret, { sub: 'carol' });
    const res = await t.call('GET', '/v1/threads', { token });
    assert.equal(res.status, 200);
    const exchanged = /^Bearer (.+)$/.exec(res.headers.get('authorization') ?? '')?.[1];
    assert.ok(exchanged, 'an Authorization header with a workspace token');
    const viaExchanged = await t.call('GET', '/v1/me', { token: exchanged });
    assert.equal(viaExchanged.body.user_id, 'carol');
    assert.equal(viaExchanged.body.source, 'workspace_token');

    assert.equal((await t.call('DELETE', `/admin/v1/auth-keys/${id}`, admin)).status, 204);
    expectError(await t.call('GET', '/v1/threads', { token }), 401, 'unknown_signing_key', [token, secret]);
    expectError(await t.call('GET', '/v1/threads', { token: exchanged }), 401, 'token_revoked');
  });

  it('deleting a key refuses its tokens on the very next request, even after they were accepted (cache), and only its tokens', async () => {
    const doomed = (await create({ name: 'doomed' })).body;
    const kept = (await create({ name: 'kept' })).body;
    const doomedToken = await signWithJose(doomed.id, doomed.secret, { sub: 'dave' });
    const keptToken = await signWithJose(kept.id, kept.secret, { sub: 'dave' });
    for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', '/v1/me', { token: doomedToken })).status, 200);
    const viaHeader = { headers: { 'X-Algolia-Secure-User-Token': doomedToken } };
    assert.equal((await t.call('GET', '/v1/me', viaHeader)).status, 200);
    const res = await t.call('DELETE', `/admin/v1/auth-keys/${doomed.id}`, admin);
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);
    expectError(await t.call('GET', '/v1/me', { token: doomedToken }), 401, 'unknown_signing_key');
    expectError(await t.call('GET', '/v1/me', viaHeader), 401, 'unknown_signing_key');
    assert.equal((await t.call('GET', '/v1/me', { token: keptToken })).status, 200, 'rotation: the other key still works');
    expectError(await t.call('DELETE', `/admin/v1/auth-keys/${doomed.id}`, admin), 404, 'not_found');
  });

  it('DELETE of an unknown key is 404 not_found', async () => {
    expectError(await t.call('DELETE', '/admin/v1/auth-keys/ak_00000000000000000000000000', admin), 404, 'not_found');
    expectError(await t.call('DELETE', '/admin/v1/auth-keys/apikey_not_an_auth_key', admin), 404, 'not_found');
  });

  it('a key limited to agents yields principals limited to them', async () => {
    const { id, secret } = (await create({ name: 'support only', agents: ['support', 'support', 'sales'] })).body;
    const me = await t.call('GET', '/v1/me', { token: await signWithJose(id, secret, { sub: 'erin' }) });
    assert.deepEqual(me.body.agents, ['support', 'sales']);
  });

  it('a scope claim narrows the token: a read-only token cannot write', async () => {
    const { id, secret } = (await create({ name: 'scoped' })).body;
    const token = await signWithJose(id, secret, { sub: 'frank', scope: 'threads:read' });
    const me = await t.call('GET', '/v1/me', { token });
    assert.deepEqual(me.body.scopes, ['threads:read']);
    assert.equal((await t.call('GET', '/v1/threads', { token })).status, 200);
    expectError(await t.call('POST', '/v1/threads', { token, body: { title: 'no' } }), 403, 'forbidden');
  });

  it('refuses bad input with validation_error naming the field, and creates nothing', async () => {
    const before = (await t.call('GET', '/admin/v1/auth-keys', admin)).body.auth_keys.length;
    const cases: Array<[unknown, string]> = [
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: 'ok', agents: 'some' }, 'agents'],
      [{ name: 'ok', agents: [] }, 'agents'],
      [{ name: 'ok', agents: [''] }, 'agents.0'],
      [{ name: 'ok', agents: [7] }, 'agents.0'],
      [{ name: 'ok', agents: ['a'.repeat(129)] }, 'agents.0'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expectError(res, 400, 'validation_error');
      assert.ok(String(res.body.field).startsWith(field.split('.')[0]!), `${JSON.stringify(body)} → field ${res.body.field}`);
    }
    expectError(await create('{"name":'), 400, 'validation_error');
    expectError(await create({ name: '   ' }), 400, 'validation_error');
    assert.equal((await t.call('GET', '/admin/v1/auth-keys', admin)).body.auth_keys.length, before, 'nothing was created');
  });

  it('needs the admin key: no key, a user token, or a wrong key are refused', async () => {
    expectError(await t.call('GET', '/admin/v1/auth-keys'), 401, 'authentication_required');
    expectError(await t.call('POST', '/admin/v1/auth-keys', { body: { name: 'x' } }), 401, 'authentication_required');
    const { id, secret } = (await create({ name: 'not admin' })).body;
    const userToken = await signWithJose(id, secret, { sub: 'mallory' });
    expectError(await t.call('GET', '/admin/v1/auth-keys', { token: userToken }), 401, 'invalid_admin_key');
    expectError(await t.call('DELETE', `/admin/v1/auth-keys/${id}`, { token: 'tg_admin_wrong_key_0123456789abcdefghij' }), 401, 'invalid_admin_key');
    assert.ok(await t.deps.credentials.repository.getAuthKey(undefined, id), 'still there');
  });

  it('publishes the three routes in the OpenAPI document, without a secret in the list schema', async () => {
    const doc = (await t.call('GET', '/doc')).body;
    assert.ok(doc.paths['/admin/v1/auth-keys'].post);
    assert.ok(doc.paths['/admin/v1/auth-keys'].get);
    assert.ok(doc.paths['/admin/v1/auth-keys/{keyId}'].delete);
    assert.ok(!('secret' in doc.components.schemas.AuthKey.properties));
  });
});
