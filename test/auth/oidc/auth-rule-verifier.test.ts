/**
 * What a verified provider token becomes: user id claim, workspace template, required claims,
 * scopes claim, token type per rule, several rules for one issuer. Keys from a local JWKS (the
 * fetching side is jwks-cache.test.ts and oidc-provider.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { verifyAuthRuleToken, verifyWithAuthRules } from '../../../src/auth/oidc/auth-rule-verifier.js';
import { createLocalKeySet } from '../../../src/auth/local-key-set.js';
import type { AuthRuleRecord } from '../../../src/auth/credential-records.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { createFrozenClock } from '../../fixtures/clock.js';
import { signingInput } from '../../fixtures/jws.js';
import { createSign } from 'node:crypto';
import { expectError } from '../../helpers/error-contract.js';

const ISSUER = 'https://idp.example.com/';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const JWKS = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] };
const clock = createFrozenClock();
const now = () => Math.floor(clock.now / 1000);

function rule(extra: Partial<AuthRuleRecord> = {}): AuthRuleRecord {
  return {
    id: 'ar_test',
    projectId: 'default',
    name: 'test',
    provider: null,
    issuer: ISSUER,
    audience: 'api',
    jwksUri: 'https://idp.example.com/jwks',
    discoveryUrl: null,
    algorithms: ['RS256'],
    tokenType: 'access',
    userIdClaim: 'sub',
    workspaceTemplate: null,
    requiredClaims: {},
    scopesClaim: null,
    enabled: true,
    service: false,
    createdAt: 0,
    updatedAt: 0,
    ...extra,
  };
}

function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  const input = signingInput({ alg: 'RS256', kid: 'k1', ...header }, { iss: ISSUER, aud: 'api', sub: 'alice', exp: now() + 300, ...claims });
  return `${input}.${createSign('sha256').update(input).sign(privateKey).toString('base64url')}`;
}

const deps = { resolveKey: (r: AuthRuleRecord) => createLocalKeySet(JWKS, { algorithms: r.algorithms }), config: { clockToleranceSeconds: 30 }, clock };
const verify = (r: AuthRuleRecord, t: string) => verifyAuthRuleToken(r, t, deps);

describe('auth rule verifier', () => {
  it('maps a token to a principal: source auth_rule, the rule id, the rule project, every scope', async () => {
    const principal = await verify(rule({ projectId: 'p1' }), token());
    assert.equal(principal.source, 'auth_rule');
    assert.equal(principal.credentialId, 'ar_test');
    assert.equal(principal.projectId, 'p1');
    assert.equal(principal.userId, 'alice');
    assert.equal(principal.workspaceId, 'alice');
    assert.deepEqual([...principal.scopes].sort(), [...ALL_SCOPES].sort());
    assert.equal(principal.agents, 'all');
    assert.equal(principal.expiresAt, now() + 300);
  });

  it('reads the user from the rule\'s claim and builds the workspace from the template', async () => {
    const r = rule({ userIdClaim: 'oid', workspaceTemplate: '{tid}_{oid}' });
    const principal = await verify(r, token({ oid: 'u-1', tid: 't-9' }));
    assert.equal(principal.userId, 'u-1');
    assert.equal(principal.workspaceId, 't-9_u-1');
    await expectError(() => verify(r, token({ tid: 't-9' })), 'invalid_claims', { claim: 'oid' });
    await expectError(() => verify(r, token({ oid: 'u-1' })), 'invalid_claims', { claim: 'tid' });
    await expectError(() => verify(r, token({ oid: 5, tid: 't' })), 'invalid_claims', { claim: 'oid' });
    await expectError(() => verify(r, token({ oid: 'a\u0001b', tid: 't' })), 'invalid_claims', { claim: 'oid' });
  });

  it('required claims: a value, or a list of accepted values; a claim that is a list must contain one', async () => {
    const r = rule({ requiredClaims: { email_verified: true, role: ['admin', 'member'], tenant: 'acme', level: 3 } });
    const ok = { email_verified: true, role: 'member', tenant: 'acme', level: 3 };
    await verify(r, token(ok));
    await verify(r, token({ ...ok, role: ['guest', 'admin'] }));
    for (const [claim, value] of [['email_verified', 'true'], ['email_verified', undefined], ['role', 'guest'], ['role', []], ['tenant', 'ACME'], ['level', '3'], ['tenant', { tenant: 'acme' }]] as const) {
      await expectError(() => verify(r, token({ ...ok, [claim]: value })), 'invalid_claims', { claim, message: `${claim}=${JSON.stringify(value)}` });
    }
  });

  it('scopes claim: a space-separated string or a list, narrowed to Threadgate\'s scopes; missing is refused', async () => {
    const r = rule({ scopesClaim: 'scp' });
    assert.deepEqual([...(await verify(r, token({ scp: 'threads:read openid profile' }))).scopes], ['threads:read']);
    assert.deepEqual([...(await verify(r, token({ scp: ['threads:read', 'memory:write', 'x'] }))).scopes].sort(), ['memory:write', 'threads:read']);
    assert.deepEqual([...(await verify(r, token({ scp: '' }))).scopes], []);
    await expectError(() => verify(r, token()), 'invalid_claims', { claim: 'scp' });
    await expectError(() => verify(r, token({ scp: 7 })), 'invalid_claims', { claim: 'scp' });
  });

  it('token type per rule: access refuses ID tokens, id refuses access tokens, any takes both', async () => {
    const idToken = token({ nonce: 'n' });
    const accessToken = token({}, { typ: 'at+jwt' });
    await expectError(() => verify(rule({ tokenType: 'access' }), idToken), 'id_token_not_accepted');
    await verify(rule({ tokenType: 'access' }), accessToken);
    await verify(rule({ tokenType: 'access' }), token());
    await expectError(() => verify(rule({ tokenType: 'id' }), accessToken), 'invalid_token');
    await verify(rule({ tokenType: 'id' }), idToken);
    await verify(rule({ tokenType: 'id' }), token());
    await verify(rule({ tokenType: 'any' }), idToken);
    await verify(rule({ tokenType: 'any' }), accessToken);
  });

  it('algorithms come from the rule: ES256-only rule refuses an RS256 token', async () => {
    await expectError(() => verify(rule({ algorithms: ['ES256'] }), token()), 'invalid_token');
  });

  it('several rules for one issuer: the one for the token\'s audience answers, else the first rule\'s error', async () => {
    const api = rule({ id: 'ar_api', audience: 'api' });
    const web = rule({ id: 'ar_web', audience: 'web-client', tokenType: 'id' });
    assert.equal((await verifyWithAuthRules([api, web], token({ aud: 'web-client', nonce: 'n' }), deps)).credentialId, 'ar_web');
    assert.equal((await verifyWithAuthRules([web, api], token({ aud: 'api' }), deps)).credentialId, 'ar_api');
    await expectError(() => verifyWithAuthRules([api, web], token({ aud: 'other' }), deps), 'invalid_claims', { claim: 'aud' });
    // Two rules for the same audience: the first that accepts wins.
    assert.equal((await verifyWithAuthRules([rule({ audience: 'web-client' }), web], token({ aud: 'web-client', nonce: 'n' }), deps)).credentialId, 'ar_web');
  });
});
