/** The small parts of auth rules: the provider-URL policy, token types, workspace templates. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { providerUrlPolicyOf, providerUrlProblem } from '../../../src/auth/oidc/provider-url.js';
import { classifyToken } from '../../../src/auth/oidc/token-type.js';
import { parseWorkspaceTemplate, renderWorkspaceTemplate } from '../../../src/auth/oidc/workspace-template.js';
import { expectError } from '../../helpers/error-contract.js';

describe('provider URL policy', () => {
  const strict = { allowHttp: false };
  it('allows https, and plain http only for loopback hosts unless allowed', () => {
    assert.equal(providerUrlProblem('https://idp.example.com/jwks', strict), undefined);
    for (const url of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks', 'http://127.8.9.10/x', 'http://auth.localhost/x']) {
      assert.equal(providerUrlProblem(url, strict), undefined, url);
    }
    for (const url of ['http://idp.example.com/jwks', 'http://10.0.0.1/jwks', 'http://127.0.0.1.evil.com/jwks', 'http://localhost.evil.com/x']) {
      assert.match(providerUrlProblem(url, strict) ?? '', /https/, url);
      assert.equal(providerUrlProblem(url, { allowHttp: true }), undefined, url);
    }
  });
  it('refuses other schemes, credentials, fragments, junk and overlong URLs', () => {
    for (const url of ['file:///etc/passwd', 'ftp://x/y', 'data:application/json,{}', 'https://user:pw@idp.example.com/jwks', 'https://idp.example.com/jwks#x', 'idp.example.com/jwks', '', `https://x.com/${'a'.repeat(2100)}`]) {
      assert.ok(providerUrlProblem(url, { allowHttp: true }) !== undefined, url);
    }
  });
  it('follows the configuration: development allows http, production only with THREADGATE_ALLOW_HTTP_IDP', () => {
    assert.equal(providerUrlPolicyOf({ mode: 'development' }).allowHttp, true);
    assert.equal(providerUrlPolicyOf({ mode: 'production' }).allowHttp, false);
    assert.equal(providerUrlPolicyOf({ mode: 'production', allowHttpIdp: true }).allowHttp, true);
    assert.equal(providerUrlPolicyOf({}).allowHttp, false, 'unknown mode: strict');
  });
});

describe('token type', () => {
  const h = (typ?: string) => (typ === undefined ? { alg: 'RS256' } : { alg: 'RS256', typ });
  it('follows the documented order of markers', () => {
    assert.equal(classifyToken(h('at+jwt'), { nonce: 'n' }).kind, 'access');
    assert.equal(classifyToken(h('application/at+jwt'), {}).kind, 'access');
    assert.equal(classifyToken(h('AT+JWT'), {}).kind, 'access');
    assert.equal(classifyToken(h('JWT'), { token_use: 'id' }).kind, 'id');
    assert.equal(classifyToken(h('JWT'), { token_use: 'access', nonce: 'n' }).kind, 'access');
    assert.equal(classifyToken(h('JWT'), { typ: 'Bearer', nonce: 'n' }).kind, 'access');
    assert.equal(classifyToken(h('JWT'), { typ: 'ID' }).kind, 'id');
    for (const claim of ['nonce', 'at_hash', 'c_hash']) assert.equal(classifyToken(h(), { [claim]: 'x' }).kind, 'id', claim);
    assert.equal(classifyToken(h('JWT'), { auth_time: 1, azp: 'c', sid: 's' }).kind, 'unmarked');
    assert.equal(classifyToken(h('at+jwt+x'), {}).kind, 'unmarked');
  });
});

describe('workspace template', () => {
  it('renders claims into the template', () => {
    const template = parseWorkspaceTemplate('{org_id}_{sub}');
    assert.deepEqual(template.claims, ['org_id', 'sub']);
    assert.equal(renderWorkspaceTemplate(template, { org_id: 'org_1', sub: 'user_2' }), 'org_1_user_2');
    assert.equal(renderWorkspaceTemplate(parseWorkspaceTemplate('team:{https://example.com/team}'), { 'https://example.com/team': 't1' }), 'team:t1');
    assert.equal(renderWorkspaceTemplate(parseWorkspaceTemplate('{sub}'), { sub: 'u' }), 'u');
  });
  it('names the claim that is missing, empty, not a string or not printable', async () => {
    const template = parseWorkspaceTemplate('{org_id}_{sub}');
    for (const claims of [{ sub: 'u' }, { org_id: '', sub: 'u' }, { org_id: 7, sub: 'u' }, { org_id: ['a'], sub: 'u' }, { org_id: 'a b', sub: 'u' }, { org_id: 'ü', sub: 'u' }]) {
      await expectError(() => renderWorkspaceTemplate(template, claims), 'invalid_claims', { claim: 'org_id', message: JSON.stringify(claims) });
    }
    await expectError(() => renderWorkspaceTemplate(template, { org_id: 'o' }), 'invalid_claims', { claim: 'sub' });
    await expectError(() => renderWorkspaceTemplate(template, Object.create({ org_id: 'inherited', sub: 'u' })), 'invalid_claims', { claim: 'org_id' });
    await expectError(() => renderWorkspaceTemplate(template, { org_id: 'o'.repeat(200), sub: 'u'.repeat(60) }), 'invalid_claims', { claim: 'sub' });
  });
  it('refuses templates that are not templates', () => {
    for (const bad of ['', 'constant', '{}', '{org_id', 'org_id}_{sub}', '{a}{', '{a b}', '{sub} x', '{sub}\n', 'x'.repeat(513), '{ü}']) {
      assert.throws(() => parseWorkspaceTemplate(bad), TypeError, JSON.stringify(bad));
    }
  });
});
