/**
 * Repository cases: auth rules (run on SQLite and PostgreSQL by credentials-repository.test.ts).
 * Insert and read back every field, list within the project, update (fields, enabled, updated_at from the store's clock), delete, and the issuer lookup that every
 * identity-provider token makes: exact (case-sensitive) issuer, enabled rules only, seen by every
 * connection at once (the second store plays another process).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createId } from '../../../src/crypto/random-id.js';
import type { AuthRuleRecord } from '../../../src/auth/credential-records.js';
import { scope, type CaseContext } from '../../store/store-cases.js';

type Get = () => CaseContext;

function authRule(projectId: string, extra: Partial<AuthRuleRecord> = {}): AuthRuleRecord {
  return {
    id: createId('ar'),
    projectId,
    name: 'Clerk production',
    provider: 'clerk',
    issuer: `https://${createId('idp')}.clerk.accounts.dev`,
    audience: 'assistant-ui',
    jwksUri: 'https://example.clerk.accounts.dev/.well-known/jwks.json',
    discoveryUrl: null,
    algorithms: ['RS256'],
    tokenType: 'any',
    userIdClaim: 'sub',
    workspaceTemplate: '{org_id}_{sub}',
    requiredClaims: { email_verified: true, role: ['admin', 'member'] },
    scopesClaim: null,
    enabled: true,
    service: false,
    createdAt: 1000,
    updatedAt: 1000,
    ...extra,
  };
}

export function authRuleCases(get: Get): void {
  describe('auth rules', () => {
    it('insert and get every field back, with and without the project; list oldest first within the project', async () => {
      const { store } = get();
      const { projectId } = scope();
      const older = authRule(projectId, { createdAt: 1000, updatedAt: 1000 });
      const newer = authRule(projectId, {
        createdAt: 2000,
        updatedAt: 2000,
        provider: null,
        jwksUri: null,
        discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        algorithms: ['ES256', 'EdDSA'],
        tokenType: 'access',
        userIdClaim: 'uid',
        workspaceTemplate: null,
        requiredClaims: {},
        scopesClaim: 'scp',
        enabled: false,
      });
      const foreign = authRule(scope().projectId);
      for (const rule of [newer, older, foreign]) await store.insertAuthRule(rule);
      assert.deepEqual(await store.getAuthRule(projectId, older.id), older);
      assert.deepEqual(await store.getAuthRule(projectId, newer.id), newer);
      assert.deepEqual(await store.getAuthRule(undefined, foreign.id), foreign);
      assert.equal(await store.getAuthRule(projectId, foreign.id), undefined, "another project's rule");
      assert.deepEqual(await store.listAuthRules(projectId), [older, newer]);
      assert.deepEqual(await store.listAuthRules(scope().projectId), []);
      await assert.rejects(store.insertAuthRule(authRule(projectId, { id: older.id })), 'the id is unique');
    });

    it('finds enabled rules by exact issuer only, across projects unless one is given', async () => {
      const { store, peer } = get();
      const a = scope().projectId;
      const b = scope().projectId;
      const issuer = `https://${createId('idp')}.example.com/`;
      const first = authRule(a, { issuer, createdAt: 1 });
      const second = authRule(b, { issuer, createdAt: 2 });
      const disabled = authRule(a, { issuer, createdAt: 3, enabled: false });
      const other = authRule(a, { issuer: `${issuer}x` });
      for (const rule of [second, disabled, first, other]) await store.insertAuthRule(rule);
      assert.deepEqual(await peer.findAuthRulesByIssuer(undefined, issuer), [first, second]);
      assert.deepEqual(await store.findAuthRulesByIssuer(a, issuer), [first]);
      for (const near of [issuer.slice(0, -1), issuer.toUpperCase(), ` ${issuer}`, `${issuer} `, `${issuer}/`, '']) {
        assert.deepEqual(await store.findAuthRulesByIssuer(undefined, near), [], JSON.stringify(near));
      }
    });

    it('update changes the given fields, sets updated_at, and a disabled rule stops matching for every connection', async () => {
      const { store, peer, clock } = get();
      const { projectId } = scope();
      const rule = authRule(projectId);
      await store.insertAuthRule(rule);
      clock.now = 1_700_000_123_000;
      const updated = await store.updateAuthRule(projectId, rule.id, { name: 'renamed', algorithms: ['PS256'], workspaceTemplate: null, requiredClaims: { a: 'b' } });
      assert.deepEqual(updated, { ...rule, name: 'renamed', algorithms: ['PS256'], workspaceTemplate: null, requiredClaims: { a: 'b' }, updatedAt: clock.now });
      assert.deepEqual(await peer.getAuthRule(projectId, rule.id), updated);
      assert.equal(await store.updateAuthRule(scope().projectId, rule.id, { enabled: false }), undefined, 'not from another project');
      assert.equal((await peer.findAuthRulesByIssuer(undefined, rule.issuer)).length, 1);
      await store.updateAuthRule(projectId, rule.id, { enabled: false });
      assert.deepEqual(await peer.findAuthRulesByIssuer(undefined, rule.issuer), [], 'disabled: gone for the other process at once');
      await store.updateAuthRule(projectId, rule.id, { enabled: true });
      assert.equal((await peer.findAuthRulesByIssuer(undefined, rule.issuer)).length, 1);
      assert.equal(await store.updateAuthRule(projectId, 'ar_missing', { name: 'x' }), undefined);
    });

    it('delete removes the rule for every connection, only within its project, and says whether it existed', async () => {
      const { store, peer } = get();
      const { projectId } = scope();
      const rule = authRule(projectId);
      await store.insertAuthRule(rule);
      assert.equal(await store.deleteAuthRule(scope().projectId, rule.id), false);
      assert.equal(await store.deleteAuthRule(projectId, rule.id), true);
      assert.equal(await peer.getAuthRule(undefined, rule.id), undefined);
      assert.deepEqual(await peer.findAuthRulesByIssuer(undefined, rule.issuer), []);
      assert.equal(await store.deleteAuthRule(projectId, rule.id), false, 'deleting twice');
    });

    it('odd names, claims and templates round trip unchanged', async () => {
      const { store } = get();
      const { projectId } = scope();
      const rule = authRule(projectId, {
        name: "rule 'x' \"ü\" 🔑 ; drop table auth_rules",
        workspaceTemplate: '{https://example.com/org}_{sub}',
        requiredClaims: { 'https://example.com/roles': ['a"b', "c'd"], n: 3, nested: { x: [1, null] } },
      });
      await store.insertAuthRule(rule);
      assert.deepEqual(await store.getAuthRule(projectId, rule.id), rule);
    });
  });
}
