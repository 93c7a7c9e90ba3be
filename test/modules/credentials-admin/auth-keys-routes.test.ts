/**
 * Authentication keys through the admin API and HS256 user tokens through the real app (SPEC 2.3,
 * issue 3 item 2): the secret is shown once, a token signed elsewhere with it works on /v1/me and
 * /v1/threads, deleting the key refuses its tokens (and the exchanged workspace tokens) on the
 * very next request, a change of its agents or user fields reaches them on their next request
 * (issue 14 item 2: mapUser per authentication key), and bad input changes nothing.
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

  describe('PATCH /admin/v1/auth-keys/{keyId}', () => {
    const patch = (id: string, body: unknown) => t.call('PATCH', `/admin/v1/auth-keys/${id}`, { ...admin, body });
    const principalOf = async (token: string) => t.deps.authenticator.authenticate({ authorization: `Bearer ${token}`, userIdHeader: undefined, workspaceIdHeader: undefined });

    it('changes the name, the agents and the user fields; null clears the user fields; the secret stays', async () => {
      const created = (await create({ name: 'before', agents: ['support'], user_fields: { name: 'name' } })).body;
      const sealed = (await t.deps.credentials.repository.getAuthKey(undefined, created.id))!.secretEncrypted;
      const renamed = await patch(created.id, { name: '  after  ' });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.deepEqual(renamed.body, { id: created.id, name: 'after', agents: ['support'], user_fields: { name: 'name' }, created_at: created.created_at });
      const changed = await patch(created.id, { agents: ['sales', 'sales', 'billing'], user_fields: { org: 'org_id' } });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.deepEqual([changed.body.agents, changed.body.user_fields], [['sales', 'billing'], { org: 'org_id' }]);
      const cleared = await patch(created.id, { user_fields: null, agents: 'all' });
      assert.deepEqual([cleared.body.agents, cleared.body.user_fields], ['all', {}]);
      assert.deepEqual((await patch(created.id, {})).body, cleared.body, 'an empty patch changes nothing');
      const listed = (await t.call('GET', '/admin/v1/auth-keys', admin)).body.auth_keys.find((key: { id: string }) => key.id === created.id);
      assert.deepEqual(listed, cleared.body);
      assert.ok(!JSON.stringify(cleared.body).includes('secret'));
      assert.equal((await t.deps.credentials.repository.getAuthKey(undefined, created.id))!.secretEncrypted, sealed, 'the secret is never rewritten');
      assert.equal((await t.call('GET', '/v1/me', { token: await signWithJose(created.id, created.secret, { sub: 'olga' }) })).status, 200, 'old tokens still verify');
    });

    it('refuses bad input as create does, naming the field, and changes nothing', async () => {
      const created = (await create({ name: 'steady', agents: ['support'], user_fields: { name: 'name' } })).body;
      const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, `c${i}`]));
      const cases: Array<[unknown, string]> = [
        [{ name: '' }, 'name'],
        [{ name: '   ' }, 'name'],
        [{ name: 'x'.repeat(201) }, 'name'],
        [{ agents: 'some' }, 'agents'],
        [{ agents: [] }, 'agents'],
        [{ agents: null }, 'agents'],
        [{ agents: ['a'.repeat(129)] }, 'agents'],
        [{ user_fields: tooMany }, 'user_fields'],
        [{ user_fields: { id: 'sub' } }, 'user_fields'],
        [{ user_fields: { name: 'has space' } }, 'user_fields'],
        [{ user_fields: ['name'] }, 'user_fields'],
        [{ name: 'fine', agents: [] }, 'agents'],
      ];
      for (const [body, field] of cases) {
        const res = await patch(created.id, body);
        expectError(res, 400, 'validation_error');
        assert.ok(String(res.body.field).startsWith(field), `${JSON.stringify(body).slice(0, 60)} → field ${res.body.field}`);
      }
      expectError(await patch(created.id, '{"name":'), 400, 'validation_error');
      const listed = (await t.call('GET', '/admin/v1/auth-keys', admin)).body.auth_keys.find((key: { id: string }) => key.id === created.id);
      assert.deepEqual(listed, { id: created.id, name: 'steady', agents: ['support'], user_fields: { name: 'name' }, created_at: created.created_at });
    });

    it('is 404 not_found for an unknown key, and needs the admin key', async () => {
      expectError(await patch('ak_00000000000000000000000000', { name: 'x' }), 404, 'not_found');
      expectError(await patch('ak_00000000000000000000000000', {}), 404, 'not_found');
      const { id, secret } = (await create({ name: 'guarded' })).body;
      expectError(await t.call('PATCH', `/admin/v1/auth-keys/${id}`, { body: { agents: ['x'] } }), 401, 'authentication_required');
      expectError(await t.call('PATCH', `/admin/v1/auth-keys/${id}`, { token: await signWithJose(id, secret, { sub: 'mallory' }), body: { agents: ['x'] } }), 401, 'invalid_admin_key');
      assert.equal((await t.deps.credentials.repository.getAuthKey(undefined, id))!.agents, 'all', 'unchanged');
    });

    it('new agents apply to a token accepted (and cached) before the change, and to the workspace token exchanged for it, on their next request', async () => {
      const { id, secret } = (await create({ name: 'narrowed' })).body;
      const token = await signWithJose(id, secret, { sub: 'paula' });
      const exchanged = /^Bearer (.+)$/.exec((await t.call('GET', '/v1/threads', { token })).headers.get('authorization') ?? '')?.[1];
      assert.ok(exchanged, 'a workspace token');
      for (const credential of [token, exchanged]) {
        for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', '/v1/me', { token: credential })).body.agents, 'all');
        // Allowed to use the agent: past the authorization step, the agent is simply not there.
        expectError(await t.call('POST', '/v1/agents/billing/text', { token: credential, body: { input: 'hi' } }), 404, 'not_found');
      }
      assert.equal((await patch(id, { agents: ['support'] })).status, 200);
      for (const credential of [token, exchanged]) {
        assert.deepEqual((await t.call('GET', '/v1/me', { token: credential })).body.agents, ['support']);
        expectError(await t.call('POST', '/v1/agents/billing/text', { token: credential, body: { input: 'hi' } }), 403, 'forbidden');
      }
      assert.equal((await patch(id, { agents: 'all' })).status, 200);
      assert.equal((await t.call('GET', '/v1/me', { token })).body.agents, 'all', 'widening the key widens its user tokens');
      assert.equal((await t.call('GET', '/v1/me', { token: exchanged })).body.agents, 'all', 'up to what the exchanged token carries');
    });

    it('new user fields apply to the key\'s tokens on their next request', async () => {
      const { id, secret } = (await create({ name: 'mapped', user_fields: { name: 'name' } })).body;
      const token = await signWithJose(id, secret, { sub: 'quinn', name: 'Quinn', org_id: 'acme' });
      for (let i = 0; i < 2; i++) assert.deepEqual((await principalOf(token))?.user, { name: 'Quinn' });
      assert.equal((await patch(id, { user_fields: { org: 'org_id' } })).status, 200);
      assert.deepEqual((await principalOf(token))?.user, { org: 'acme' });
      assert.equal((await patch(id, { user_fields: null })).status, 200);
      assert.deepEqual((await principalOf(token))?.user, {});
    });

    it('is audited as auth_key.updated with before and after (agents and user fields), never the secret; auth_key.created carries them too', async () => {
      const { id, secret } = (await create({ name: 'audited', agents: ['support'], user_fields: { name: 'name' } })).body;
      assert.equal((await patch(id, { agents: ['sales'], user_fields: null })).status, 200);
      await t.deps.audit.flush();
      const res = await t.call('GET', `/admin/v1/audit?object=${id}`, admin);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const events = res.body.events as Array<Record<string, any>>;
      assert.deepEqual(events.map((event) => event.kind), ['auth_key.updated', 'auth_key.created']);
      const [updated, created] = events;
      assert.deepEqual(updated!.object, { type: 'auth_key', id });
      assert.equal(updated!.route, `PATCH /admin/v1/auth-keys/${id}`);
      assert.deepEqual(updated!.detail, {
        before: { id, name: 'audited', agents: ['support'], user_fields: { name: 'name' } },
        after: { id, name: 'audited', agents: ['sales'], user_fields: {} },
      });
      assert.deepEqual(created!.detail, { after: { id, name: 'audited', agents: ['support'], user_fields: { name: 'name' } } });
      assert.ok(!JSON.stringify(events).includes(secret) && !/secret|v1\./.test(JSON.stringify(events)), 'no secret, sealed or not');
    });
  });

  it('publishes the four routes in the OpenAPI document, without a secret in the list schema', async () => {
    const doc = (await t.call('GET', '/doc')).body;
    assert.ok(doc.paths['/admin/v1/auth-keys'].post);
    assert.ok(doc.paths['/admin/v1/auth-keys'].get);
    assert.ok(doc.paths['/admin/v1/auth-keys/{keyId}'].delete);
    assert.ok(doc.paths['/admin/v1/auth-keys/{keyId}'].patch);
    assert.deepEqual(Object.keys(doc.paths['/admin/v1/auth-keys/{keyId}'].patch.requestBody.content['application/json'].schema.properties).sort(), ['agents', 'name', 'user_fields']);
    assert.ok(!('secret' in doc.components.schemas.AuthKey.properties));
  });
});
