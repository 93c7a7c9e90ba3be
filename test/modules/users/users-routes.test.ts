/**
 * Revoking a user (SPEC 4, issue 3 item 7; issue 10 items 1 and 2): every token issued to the user
 * before now is refused on the very next request, whoever signed it (workspace tokens, anonymous
 * sessions, HS256 user tokens, identity-provider tokens, none of them exchanged for a fresh
 * workspace token any more); tokens issued afterwards work at once, even in the same second;
 * other users are untouched; an API key acting for the user is a backend credential and still works.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import { expectError } from '../../helpers/error-contract.js';

const admin = { token: TEST_ADMIN_KEY };
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** An HS256 user token signed by hand, as an app's backend would; `iat` given or left out. */
function userToken(kid: string, secret: string, sub: string, iat: number | undefined): string {
  const input = `${part({ alg: 'HS256', typ: 'JWT', kid })}.${part({ sub, exp: nowSeconds() + 600, ...(iat === undefined ? {} : { iat }), jti: randomBytes(8).toString('hex') })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('user revocation', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('refuses the user\'s earlier tokens at once, and only that user\'s', async () => {
    const erin = await t.tokenFor('erin', 'w-erin');
    const frank = await t.tokenFor('frank', 'w-frank');
    assert.equal((await t.call('GET', '/v1/threads', { token: erin })).status, 200);
    const res = await t.call('POST', '/admin/v1/users/erin/revoke', { token: TEST_ADMIN_KEY });
    assert.equal(res.status, 200);
    assert.equal(res.body.user_id, 'erin');
    expectError(await t.call('GET', '/v1/threads', { token: erin }), 401, 'token_revoked');
    assert.equal((await t.call('GET', '/v1/threads', { token: frank })).status, 200);
    assert.equal((await t.call('GET', '/v1/threads', { token: await t.tokenFor('erin', 'w-erin') })).status, 200, 'a new sign-in works at once');
  });

  it('ends an anonymous user\'s session: its access and refresh tokens are refused', async () => {
    const session = (await t.call('POST', '/v1/auth/tokens/anonymous')).body;
    const me = (await t.call('GET', '/v1/me', { token: session.access_token })).body;
    await t.call('POST', `/admin/v1/users/${me.user_id}/revoke`, { token: TEST_ADMIN_KEY });
    expectError(await t.call('GET', '/v1/threads', { token: session.access_token }), 401, 'token_revoked');
    const refresh = await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: session.refresh_token.token } });
    assert.equal(refresh.status, 401);
  });

  it('a workspace token minted right after the revocation (same second) works at once; one minted before never does', async () => {
    const key = (await t.call('POST', '/admin/v1/api-keys', { ...admin, body: { name: 'backend' } })).body as { key: string };
    const headers = { 'Aui-User-Id': 'gus', 'Aui-Workspace-Id': 'w-gus' };
    const mint = async () => (await t.call('POST', '/v1/auth/tokens', { token: key.key, headers })).body.token as string;
    // Several rounds: each revocation lands at some millisecond of its second; `iat` alone (whole
    // seconds) refused every token minted in the rest of that second.
    for (let round = 0; round < 5; round++) {
      const before = await mint();
      assert.equal((await t.call('GET', '/v1/threads', { token: before })).status, 200);
      assert.equal((await t.call('POST', '/admin/v1/users/gus/revoke', admin)).status, 200);
      const afterwards = await mint();
      assert.equal((await t.call('GET', '/v1/threads', { token: afterwards })).status, 200, `round ${round}: minted after the revocation`);
      expectError(await t.call('GET', '/v1/threads', { token: before }), 401, 'token_revoked');
    }
  });

  it('an API key acting for a revoked user still works (a backend credential, not a token issued to the user)', async () => {
    const key = (await t.call('POST', '/admin/v1/api-keys', { ...admin, body: { name: 'backend' } })).body as { key: string };
    const headers = { 'Aui-User-Id': 'hal', 'Aui-Workspace-Id': 'w-hal' };
    assert.equal((await t.call('GET', '/v1/threads', { token: key.key, headers })).status, 200);
    await t.call('POST', '/admin/v1/users/hal/revoke', admin);
    assert.equal((await t.call('GET', '/v1/threads', { token: key.key, headers })).status, 200);
  });

  it('refuses the user\'s HS256 user tokens issued before the revocation, and does not exchange them', async () => {
    const key = (await t.call('POST', '/admin/v1/auth-keys', { ...admin, body: { name: 'app' } })).body as { id: string; secret: string };
    const issuedBefore = nowSeconds() - 5;
    const before = userToken(key.id, key.secret, 'iris', issuedBefore);
    const withoutIat = userToken(key.id, key.secret, 'iris', undefined);
    const first = await t.call('GET', '/v1/threads', { token: before });
    assert.equal(first.status, 200);
    const exchanged = first.headers.get('authorization')!.slice('Bearer '.length);
    assert.equal((await t.call('GET', '/v1/threads', { token: withoutIat })).status, 200, 'no iat: fine while the user was never revoked');
    assert.equal((await t.call('POST', '/admin/v1/users/iris/revoke', admin)).status, 200);
    for (const token of [before, exchanged]) {
      const res = await t.call('GET', '/v1/threads', { token });
      expectError(res, 401, 'token_revoked');
      assert.equal(res.headers.get('authorization'), null, 'no fresh workspace token for a revoked user token');
    }
    expectError(await t.call('GET', '/v1/threads', { token: withoutIat }), 401, 'token_revoked');
    expectError(await t.call('GET', '/v1/threads', { token: userToken(key.id, key.secret, 'iris', undefined) }), 401, 'token_revoked');
    // Issued from the next second on: accepted, and its exchanged workspace token works.
    const later = await t.call('GET', '/v1/threads', { token: userToken(key.id, key.secret, 'iris', nowSeconds() + 1) });
    assert.equal(later.status, 200);
    const laterExchanged = later.headers.get('authorization')!.slice('Bearer '.length);
    assert.equal((await t.call('GET', '/v1/threads', { token: laterExchanged })).status, 200);
    assert.equal((await t.call('GET', '/v1/threads', { token: userToken(key.id, key.secret, 'ivan', issuedBefore) })).status, 200, 'another user is untouched');
  });

  it('revokes the anonymous user\'s session (refresh family) too, so a refresh racing the revocation cannot outlive it', async () => {
    const session = (await t.call('POST', '/v1/auth/tokens/anonymous')).body;
    const userId = claimsOf(session.access_token).sub as string;
    await t.call('POST', `/admin/v1/users/${userId}/revoke`, admin);
    const family = await t.deps.store.getRefreshFamily(t.deps.config.projectId, claimsOf(session.access_token).cid as string);
    assert.notEqual(family?.revokedAt, null, 'the session (refresh family) is revoked with the user');
  });
});

describe('user revocation and identity-provider tokens (auth rules)', () => {
  let t: TestApp;
  let jwks: JwksServer;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ISSUER = 'https://idp.revoke.test/';
  function idpToken(sub: string, iat: number | undefined): string {
    const input = `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part({ iss: ISSUER, aud: 'api', sub, exp: nowSeconds() + 600, ...(iat === undefined ? {} : { iat }), jti: randomBytes(8).toString('hex') })}`;
    return `${input}.${createSign('sha256').update(input).sign(idp.privateKey).toString('base64url')}`;
  }
  before(async () => {
    jwks = await startJwksServer({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    t = await createTestApp();
    const rule = await t.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'idp', issuer: ISSUER, audience: 'api', jwks_uri: jwks.url, token_type: 'access' } });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
  });
  after(async () => {
    await t.close();
    await jwks.close();
  });

  it('refuses the provider\'s tokens issued before the revocation, and their exchanged workspace tokens', async () => {
    const before = idpToken('jane', nowSeconds() - 5);
    const first = await t.call('GET', '/v1/me', { token: before });
    assert.equal(first.status, 200);
    const exchanged = first.headers.get('authorization')!.slice('Bearer '.length);
    assert.equal((await t.call('POST', '/admin/v1/users/jane/revoke', admin)).status, 200);
    for (const token of [before, exchanged, idpToken('jane', undefined)]) {
      const res = await t.call('GET', '/v1/me', { token });
      expectError(res, 401, 'token_revoked');
      assert.equal(res.headers.get('authorization'), null);
    }
    const later = await t.call('GET', '/v1/me', { token: idpToken('jane', nowSeconds() + 1) });
    assert.equal(later.status, 200, 'issued after the revocation');
    assert.equal((await t.call('GET', '/v1/me', { token: later.headers.get('authorization')!.slice('Bearer '.length) })).status, 200);
  });
});
