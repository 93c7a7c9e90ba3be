/**
 * The auth-rules admin API: create (presets fill defaults, every field validated with the field
 * named), list, get, patch (null resets, key source follows the issuer, enabled), delete; the admin
 * key is required; plain-http provider URLs are refused in production.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from '../../helpers/server-process.js';
import { expectError } from '../../helpers/error-contract.js';

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('admin API: auth rules', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());
  const post = (body: unknown) => t.call('POST', '/admin/v1/auth-rules', { body, headers: admin });

  it('needs the admin key', async () => {
    expectError(await t.call('GET', '/admin/v1/auth-rules'), 401, 'authentication_required');
    const user = await t.tokenFor('alice', 'ws');
    const res = await t.call('POST', '/admin/v1/auth-rules', { token: user, body: { name: 'x', issuer: 'https://a.example.com', audience: 'a' } });
    assert.equal(res.status, 401);
  });

  it('creates a rule from each preset with its defaults', async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [
        { provider: 'clerk', issuer: 'https://your-app.clerk.accounts.dev', audience: 'assistant-ui' },
        { jwks_uri: 'https://your-app.clerk.accounts.dev/.well-known/jwks.json', discovery_url: null, token_type: 'any', algorithms: ['RS256'], user_id_claim: 'sub' },
      ],
      [{ provider: 'auth0', issuer: 'https://t.us.auth0.com/', audience: 'https://api.x' }, { jwks_uri: 'https://t.us.auth0.com/.well-known/jwks.json', token_type: 'access' }],
      [{ provider: 'supabase', issuer: 'https://abc.supabase.co/auth/v1', audience: 'authenticated' }, { jwks_uri: 'https://abc.supabase.co/auth/v1/.well-known/jwks.json', algorithms: ['ES256', 'RS256'] }],
      [
        { provider: 'firebase', issuer: 'https://securetoken.google.com/my-proj', audience: 'my-proj' },
        { jwks_uri: 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com', token_type: 'id' },
      ],
      [{ provider: 'keycloak', issuer: 'https://kc.example.com/realms/main', audience: 'account' }, { discovery_url: 'https://kc.example.com/realms/main/.well-known/openid-configuration', jwks_uri: null }],
      [{ provider: 'okta', issuer: 'https://org.okta.com/oauth2/default', audience: 'api://default' }, { discovery_url: 'https://org.okta.com/oauth2/default/.well-known/openid-configuration', user_id_claim: 'uid' }],
      [
        { provider: 'entra-id', issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0', audience: 'c0ffee00-0000-0000-0000-000000000000' },
        { discovery_url: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration', user_id_claim: 'oid' },
      ],
      [
        { provider: 'cognito', issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123', audience: 'client123' },
        { jwks_uri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json', token_type: 'id' },
      ],
    ];
    for (const [input, expected] of cases) {
      const res = await post({ name: `${String(input.provider)} rule`, ...input });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(res.body.id, /^ar_[0-9a-z]{26}$/);
      assert.equal(res.body.provider, input.provider);
      for (const [field, value] of Object.entries(expected)) assert.deepEqual(res.body[field], value, `${String(input.provider)}.${field}`);
      assert.equal(res.body.enabled, true);
      const got = await t.call('GET', `/admin/v1/auth-rules/${res.body.id}`, { headers: admin });
      assert.deepEqual(got.body, res.body);
    }
    const list = await t.call('GET', '/admin/v1/auth-rules', { headers: admin });
    assert.equal(list.status, 200);
    assert.equal(list.body.auth_rules.length, cases.length);
  });

  it('lets a rule override every preset default', async () => {
    const res = await post({
      name: 'custom clerk',
      provider: 'clerk',
      issuer: 'https://clerk.example.com',
      audience: 'assistant-ui',
      jwks_uri: 'https://keys.example.com/jwks.json',
      algorithms: ['ES256', 'EdDSA'],
      token_type: 'access',
      user_id_claim: 'user_id',
      workspace_template: '{org_id}_{user_id}',
      required_claims: { email_verified: true, role: ['admin', 'member'] },
      scopes_claim: 'scp',
      user_fields: { name: 'name' },
      enabled: false,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(
      { ...res.body, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: 'custom clerk',
        provider: 'clerk',
        issuer: 'https://clerk.example.com',
        audience: 'assistant-ui',
        jwks_uri: 'https://keys.example.com/jwks.json',
        discovery_url: null,
        algorithms: ['ES256', 'EdDSA'],
        token_type: 'access',
        user_id_claim: 'user_id',
        workspace_template: '{org_id}_{user_id}',
        required_claims: { email_verified: true, role: ['admin', 'member'] },
        scopes_claim: 'scp',
        user_fields: { name: 'name' },
        enabled: false,
        service: false,
        created_at: undefined,
        updated_at: undefined,
      },
    );
  });

  it('refuses bad input, naming the field, and stores nothing', async () => {
    const good = { name: 'r', issuer: 'https://idp.example.com', audience: 'api' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, name: '' }, 'name'],
      [{ ...good, issuer: '' }, 'issuer'],
      [{ ...good, issuer: 'https://idp.example.com/ x' }, 'issuer'],
      [{ ...good, audience: '' }, 'audience'],
      [{ ...good, provider: 'github' }, 'provider'],
      [{ ...good, algorithms: ['HS256'] }, 'algorithms'],
      [{ ...good, algorithms: ['RS256', 'hs512'] }, 'algorithms'],
      [{ ...good, algorithms: ['none'] }, 'algorithms'],
      [{ ...good, algorithms: [] }, 'algorithms'],
      [{ ...good, algorithms: ['RS1'] }, 'algorithms'],
      [{ ...good, token_type: 'refresh' }, 'token_type'],
      [{ ...good, jwks_uri: 'https://a/jwks', discovery_url: 'https://a/.well-known/openid-configuration' }, 'jwks_uri'],
      [{ ...good, jwks_uri: 'ftp://a/jwks' }, 'jwks_uri'],
      [{ ...good, jwks_uri: 'not a url' }, 'jwks_uri'],
      [{ ...good, discovery_url: 'https://u:p@a/x' }, 'discovery_url'],
      [{ ...good, issuer: 'not-a-url' }, 'issuer'],
      [{ ...good, user_id_claim: 'exp' }, 'user_id_claim'],
      [{ ...good, user_id_claim: '' }, 'user_id_claim'],
      [{ ...good, workspace_template: 'everyone' }, 'workspace_template'],
      [{ ...good, workspace_template: '{org' }, 'workspace_template'],
      [{ ...good, required_claims: { role: { nested: true } } }, 'required_claims.role'],
      [{ ...good, required_claims: { role: [] } }, 'required_claims.role'],
      [{ ...good, scopes_claim: 'a b' }, 'scopes_claim'],
      [{ ...good, provider: 'auth0', issuer: 'https://t.us.auth0.com' }, 'issuer'],
      [{ ...good, provider: 'okta', issuer: 'https://org.okta.com' }, 'issuer'],
      [{ ...good, provider: 'entra-id', issuer: 'https://sts.windows.net/11111111-2222-3333-4444-555555555555/' }, 'issuer'],
      [{ ...good, provider: 'entra-id', issuer: 'https://login.microsoftonline.com/common/v2.0' }, 'issuer'],
      [{ ...good, provider: 'firebase', issuer: 'https://securetoken.google.com/proj', audience: 'other' }, 'audience'],
      [{ ...good, provider: 'cognito', issuer: 'https://cognito-idp.eu-west-1.amazonaws.com' }, 'issuer'],
    ];
    const before = (await t.call('GET', '/admin/v1/auth-rules', { headers: admin })).body.auth_rules.length;
    for (const [body, field] of cases) {
      const res = await post(body);
      expectError(res, 400, 'validation_error');
      assert.equal(res.body.field, field, JSON.stringify(body));
    }
    const auth0 = await post({ ...good, provider: 'auth0', issuer: 'https://t.us.auth0.com' });
    assert.match(auth0.body.message, /end with a slash/);
    const hs = await post({ ...good, algorithms: ['HS256'] });
    assert.match(hs.body.message, /authentication key/);
    assert.equal((await t.call('GET', '/admin/v1/auth-rules', { headers: admin })).body.auth_rules.length, before);
  });

  it('patch: changes fields, null resets to the default, a jwks_uri replaces discovery, the default key source follows the issuer', async () => {
    const created = (await post({ name: 'p', provider: 'okta', issuer: 'https://org.okta.com/oauth2/default', audience: 'api://default', scopes_claim: 'scp' })).body;
    const patch = (body: unknown) => t.call('PATCH', `/admin/v1/auth-rules/${created.id}`, { body, headers: admin });
    let res = await patch({ issuer: 'https://org.okta.com/oauth2/aus123' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.discovery_url, 'https://org.okta.com/oauth2/aus123/.well-known/openid-configuration');
    res = await patch({ jwks_uri: 'https://org.okta.com/oauth2/aus123/v1/keys', user_id_claim: 'sub' });
    assert.equal(res.body.jwks_uri, 'https://org.okta.com/oauth2/aus123/v1/keys');
    assert.equal(res.body.discovery_url, null);
    assert.equal(res.body.user_id_claim, 'sub');
    res = await patch({ issuer: 'https://org.okta.com/oauth2/aus456' });
    assert.equal(res.body.jwks_uri, 'https://org.okta.com/oauth2/aus123/v1/keys', 'an explicit jwks_uri is kept');
    res = await patch({ user_id_claim: null, scopes_claim: null, jwks_uri: null, name: 'renamed' });
    assert.equal(res.body.user_id_claim, 'uid', 'the preset default again');
    assert.equal(res.body.scopes_claim, null);
    assert.equal(res.body.discovery_url, 'https://org.okta.com/oauth2/aus456/.well-known/openid-configuration');
    assert.equal(res.body.name, 'renamed');
    assert.ok(res.body.updated_at >= created.updated_at);
    expectError(await patch({ algorithms: ['HS256'] }), 400, 'validation_error');
    expectError(await patch({ issuer: 'https://org.okta.com' }), 400, 'validation_error');
    res = await patch({ enabled: false });
    assert.equal(res.body.enabled, false);
    expectError(await t.call('PATCH', '/admin/v1/auth-rules/ar_missing', { body: { enabled: false }, headers: admin }), 404, 'not_found');
  });

  it('delete: 204, then 404', async () => {
    const created = (await post({ name: 'd', issuer: 'https://idp.example.com', audience: 'api' })).body;
    assert.equal((await t.call('DELETE', `/admin/v1/auth-rules/${created.id}`, { headers: admin })).status, 204);
    expectError(await t.call('DELETE', `/admin/v1/auth-rules/${created.id}`, { headers: admin }), 404, 'not_found');
    expectError(await t.call('GET', `/admin/v1/auth-rules/${created.id}`, { headers: admin }), 404, 'not_found');
  });
});

describe('admin API: auth rules in production', () => {
  it('refuses plain-http provider URLs unless loopback or THREADGATE_ALLOW_HTTP_IDP=true', async () => {
    const env = { NODE_ENV: 'production', THREADGATE_MASTER_KEY: TEST_MASTER_KEY, THREADGATE_ADMIN_KEY: TEST_ADMIN_KEY, THREADGATE_CORS_ORIGINS: 'https://app.example.com' };
    const strict = await createTestApp(env);
    try {
      const post = (body: unknown) => strict.call('POST', '/admin/v1/auth-rules', { body, headers: admin });
      const base = { name: 'r', audience: 'api' };
      let res = await post({ ...base, issuer: 'http://idp.example.com' });
      expectError(res, 400, 'validation_error');
      assert.equal(res.body.field, 'issuer');
      res = await post({ ...base, issuer: 'https://idp.example.com', jwks_uri: 'http://idp.example.com/jwks' });
      expectError(res, 400, 'validation_error');
      assert.equal(res.body.field, 'jwks_uri');
      assert.equal((await post({ ...base, issuer: 'http://127.0.0.1:9999' })).status, 201, 'loopback');
      assert.equal((await post({ ...base, issuer: 'https://idp.example.com', jwks_uri: 'http://localhost:9/jwks' })).status, 201);
    } finally {
      await strict.close();
    }
    const allowed = await createTestApp({ ...env, THREADGATE_ALLOW_HTTP_IDP: 'true' });
    try {
      const res = await allowed.call('POST', '/admin/v1/auth-rules', { body: { name: 'r', audience: 'api', issuer: 'http://idp.example.com' }, headers: admin });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    } finally {
      await allowed.close();
    }
  });
});
