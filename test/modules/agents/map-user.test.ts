/**
 * SPEC 3's mapUser per auth rule and per authentication key (issue 14 item 2): the rule's `user_fields` copy claims of the
 * identity provider's token into the principal's user fields, which an agent's instructions read
 * as `{user.<field>}`; the workspace token it is exchanged for carries them (`usr`), so the
 * assistant-cloud client's next requests keep them. Bad mappings are refused naming the field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createTestApp, expectError, type TestApp } from '../../helpers/test-app.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import { startOpenAiPeer, type OpenAiPeer } from '../../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { mapUser, readUserClaim } from '../../../src/auth/map-user.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ISSUER = 'https://idp.mapuser.test/';

describe('mapUser per auth rule', () => {
  let t: TestApp;
  let jwks: JwksServer;
  let peer: OpenAiPeer;
  let ruleId: string;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const idpToken = (claims: object) => {
    const input = `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part({ iss: ISSUER, aud: 'api', sub: 'jane', exp: Math.floor(Date.now() / 1000) + 600, iat: Math.floor(Date.now() / 1000) - 1, jti: randomBytes(8).toString('hex'), ...claims })}`;
    return `${input}.${createSign('sha256').update(input).sign(idp.privateKey).toString('base64url')}`;
  };

  before(async () => {
    jwks = await startJwksServer({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    peer = await startOpenAiPeer();
    t = await createTestApp();
    const rule = await t.call('POST', '/admin/v1/auth-rules', { headers: admin, body: { name: 'idp', issuer: ISSUER, audience: 'api', jwks_uri: jwks.url, token_type: 'access', user_fields: { name: 'name', plan: 'https://example.com/plan' } } });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    assert.deepEqual(rule.body.user_fields, { name: 'name', plan: 'https://example.com/plan' });
    ruleId = rule.body.id;
    await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo'] } });
    await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'greeter', name: 'Greeter', provider_id: 'peer', model: 'echo', instructions: 'Greet {user.name} ({user.id}, plan {user.plan}).' } });
  });
  after(async () => {
    await t.close();
    await jwks.close();
    await peer.close();
  });

  it('fills the agent\'s instructions from the token\'s claims, and again through the exchanged workspace token', async () => {
    const first = await t.call('POST', '/v1/agents/greeter/text', { token: idpToken({ name: 'Jane Doe', 'https://example.com/plan': 'pro', secret: 'x' }), body: { input: 'hi' } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(peer.requests.at(-1)!.body.messages[0].content, 'Greet Jane Doe (jane, plan pro).');
    const exchanged = first.headers.get('authorization')!.slice('Bearer '.length);
    const again = await t.call('POST', '/v1/agents/greeter/text', { token: exchanged, body: { input: 'hi' } });
    assert.equal(again.status, 200);
    assert.equal(peer.requests.at(-1)!.body.messages[0].content, 'Greet Jane Doe (jane, plan pro).');
    // A claim that is no string, number or boolean is left out.
    await t.call('POST', '/v1/agents/greeter/text', { token: idpToken({ name: { first: 'J' } }), body: { input: 'hi' } });
    assert.equal(peer.requests.at(-1)!.body.messages[0].content, 'Greet  (jane, plan ).');
  });

  it('refuses a bad mapping naming the field, and changes nothing', async () => {
    for (const user_fields of [{ id: 'sub' }, { 'bad name': 'x' }, { name: 5 }, ['name']]) {
      const res = await t.call('PATCH', `/admin/v1/auth-rules/${ruleId}`, { headers: admin, body: { user_fields } });
      expectError(res, 400, 'validation_error');
      assert.match(res.body.field, /^user_fields/);
    }
    assert.deepEqual((await t.call('GET', `/admin/v1/auth-rules/${ruleId}`, { headers: admin })).body.user_fields, { name: 'name', plan: 'https://example.com/plan' });
  });

  it('mapUser copies strings (cut), numbers and booleans only; readUserClaim refuses anything else', () => {
    assert.deepEqual(mapUser({ a: 'a', b: 'b', c: 'c', d: 'd' }, { a: 'x'.repeat(600), b: 2, c: true, d: null }), { a: 'x'.repeat(512), b: 2, c: true });
    assert.deepEqual(mapUser(null, { a: 1 }), {});
    assert.throws(() => readUserClaim({ a: { b: 1 } }), /usr/);
    assert.throws(() => readUserClaim('x'), /usr/);
    assert.deepEqual(readUserClaim({ name: 'Ada' }), { name: 'Ada' });
  });
});

describe('mapUser per authentication key', () => {
  let t: TestApp;
  let peer: OpenAiPeer;
  const userToken = (kid: string, secret: string, claims: object) => {
    const input = `${part({ alg: 'HS256', typ: 'JWT', kid })}.${part({ sub: 'ada', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };

  before(async () => {
    peer = await startOpenAiPeer();
    t = await createTestApp();
    await t.call('POST', '/admin/v1/providers', { headers: admin, body: { id: 'peer', base_url: peer.baseUrl, models: ['echo'] } });
    await t.call('POST', '/admin/v1/agents', { headers: admin, body: { id: 'greeter', name: 'Greeter', provider_id: 'peer', model: 'echo', instructions: 'Greet {user.name} ({user.id}, org {user.org}).' } });
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  it('fills the agent\'s instructions from the user token\'s claims the key names, and again through the exchanged workspace token', async () => {
    const created = await t.call('POST', '/admin/v1/auth-keys', { headers: admin, body: { name: 'backend', user_fields: { name: 'name', org: 'org_id' } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.user_fields, { name: 'name', org: 'org_id' });
    assert.deepEqual((await t.call('GET', '/admin/v1/auth-keys', { headers: admin })).body.auth_keys[0].user_fields, { name: 'name', org: 'org_id' });
    const first = await t.call('POST', '/v1/agents/greeter/text', { token: userToken(created.body.id, created.body.secret, { name: 'Ada Lovelace', org_id: 42, other: 'x' }), body: { input: 'hi' } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(peer.requests.at(-1)!.body.messages[0].content, 'Greet Ada Lovelace (ada, org 42).');
    const exchanged = first.headers.get('authorization')!.slice('Bearer '.length);
    assert.equal((await t.call('POST', '/v1/agents/greeter/text', { token: exchanged, body: { input: 'hi' } })).status, 200);
    assert.equal(peer.requests.at(-1)!.body.messages[0].content, 'Greet Ada Lovelace (ada, org 42).');
  });

  it('a key without user_fields maps nothing: id and workspace only', async () => {
    const created = await t.call('POST', '/admin/v1/auth-keys', { headers: admin, body: { name: 'plain' } });
    assert.deepEqual(created.body.user_fields, {});
    assert.equal((await t.call('POST', '/v1/agents/greeter/text', { token: userToken(created.body.id, created.body.secret, { name: 'Ada' }), body: { input: 'hi' } })).status, 200);
    assert.equal(peer.requests.at(-1)!.body.messages[0].content, 'Greet  (ada, org ).');
  });

  it('refuses a bad mapping naming the field, and creates no key', async () => {
    const before = (await t.call('GET', '/admin/v1/auth-keys', { headers: admin })).body.auth_keys.length;
    for (const user_fields of [{ id: 'sub' }, { workspace: 'w' }, { 'bad name': 'x' }, { name: 'has space' }]) {
      const res = await t.call('POST', '/admin/v1/auth-keys', { headers: admin, body: { name: 'bad', user_fields } });
      expectError(res, 400, 'validation_error');
      assert.match(res.body.field, /^user_fields/);
    }
    assert.equal((await t.call('GET', '/admin/v1/auth-keys', { headers: admin })).body.auth_keys.length, before);
  });
});
