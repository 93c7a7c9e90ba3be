/**
 * Auth rules against a real OpenID Connect provider (oidc-provider, in-process on 127.0.0.1):
 * its JWT access tokens (client credentials, RFC 9068) and ID tokens, its discovery document and
 * JWKS, through the whole Threadgate app (admin API to register the rule, `GET /v1/me` to use it).
 * Then the provider's life: key rotation mid-test (picked up without restart), going offline
 * (cached keys keep working; a new kid gets unknown_signing_key, or provider_unavailable with no
 * cache at all), coming back, and a flood of unknown kids costing it at most one JWKS fetch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { AUDIENCE, CLIENT_ID, startTestIdp, type TestIdp } from '../../helpers/oidc-provider.js';
import { expectError } from '../../helpers/error-contract.js';

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

async function createRule(t: TestApp, body: Record<string, unknown>): Promise<any> {
  const res = await t.call('POST', '/admin/v1/auth-rules', { body, headers: admin });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** A token with another kid: the same header and claims, re-labelled (its signature no longer matters). */
function withKid(token: string, kid: string): string {
  const [, payload, signature] = token.split('.');
  const header = { ...decodeProtectedHeader(token), kid };
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('auth rules with a real OIDC provider', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(async () => idp.close());

  describe('registered through discovery', () => {
    let t: TestApp;
    let rule: any;
    before(async () => {
      t = await createTestApp({ THREADGATE_JWKS_COOLDOWN_MS: '200' });
      rule = await createRule(t, {
        name: 'test idp',
        issuer: idp.issuer,
        audience: AUDIENCE,
        token_type: 'access',
        workspace_template: '{org_id}_{sub}',
        scopes_claim: 'scope',
      });
    });
    after(async () => t.close());

    it('saves the rule with discovery from the issuer and every default filled', () => {
      assert.match(rule.id, /^ar_/);
      assert.equal(rule.discovery_url, idp.discoveryUrl);
      assert.equal(rule.jwks_uri, null);
      assert.deepEqual(rule.algorithms, ['RS256']);
      assert.equal(rule.user_id_claim, 'sub');
      assert.equal(rule.enabled, true);
    });

    it('accepts the provider\'s access token: GET /v1/me shows source auth_rule and the mapped workspace', async () => {
      const token = await idp.accessToken({ scope: 'threads:read threads:write' });
      const res = await t.call('GET', '/v1/me', { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.source, 'auth_rule');
      assert.equal(res.body.credential_id, rule.id);
      assert.equal(res.body.user_id, CLIENT_ID);
      assert.equal(res.body.workspace_id, `org_acme_${CLIENT_ID}`);
      assert.deepEqual(res.body.scopes.sort(), ['threads:read', 'threads:write']);
      // Token exchange: the response carries a workspace token the client uses from then on.
      const exchanged = res.headers.get('authorization')?.replace(/^Bearer /, '');
      assert.ok(exchanged);
      const again = await t.call('GET', '/v1/me', { token: exchanged });
      assert.equal(again.status, 200);
      assert.equal(again.body.source, 'workspace_token');
      assert.equal(again.body.workspace_id, `org_acme_${CLIENT_ID}`);
    });

    it('token inspection explains the auth-rule path step by step', async () => {
      const res = await t.call('POST', '/admin/v1/tokens/inspect', { body: { token: await idp.accessToken() }, headers: admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.accepted, true);
      const checks = res.body.steps.map((step: { check: string }) => step.check);
      for (const check of ['credential path', 'auth rule', 'algorithm allowed', 'provider discovery', 'provider keys (JWKS)', 'signature valid', 'issuer (iss)', 'audience (aud)', 'token type', 'user and workspace']) {
        assert.ok(checks.includes(check), `${check} in ${checks.join(', ')}`);
      }
      assert.equal(res.body.steps.find((step: { check: string }) => step.check === 'credential path').detail, 'auth_rule');
      const refused = await t.call('POST', '/admin/v1/tokens/inspect', { body: { token: await idp.idToken('alice', { aud: AUDIENCE }) }, headers: admin });
      assert.equal(refused.body.accepted, false);
      assert.equal(refused.body.error.code, 'invalid_claims');
    });

    it('maps another organization to another workspace', async () => {
      const res = await t.call('GET', '/v1/me', { token: await idp.accessToken({ orgId: 'org_globex' }) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.workspace_id, `org_globex_${CLIENT_ID}`);
    });

    it('refuses the provider\'s ID token on an access rule with id_token_not_accepted', async () => {
      // The ID token's aud is the client id. A second access rule for the same issuer with that
      // audience is the one it matches, so only its type is wrong.
      const second = await createRule(t, { name: 'client-id audience', issuer: idp.issuer, audience: CLIENT_ID, jwks_uri: idp.jwksUri, token_type: 'access' });
      try {
        expectError(await t.call('GET', '/v1/me', { token: await idp.idToken('alice', { org_id: 'org_acme' }) }), 401, 'id_token_not_accepted');
      } finally {
        await t.call('DELETE', `/admin/v1/auth-rules/${second.id}`, { headers: admin });
      }
      // With no rule for its audience, the first rule answers: the audience is wrong.
      const res = await t.call('GET', '/v1/me', { token: await idp.idToken('alice') });
      expectError(res, 401, 'invalid_claims');
      assert.equal(res.body.claim, 'aud');
    });

    it('picks up rotated keys without a restart', async () => {
      const before = await idp.accessToken();
      assert.equal((await t.call('GET', '/v1/me', { token: before })).status, 200);
      const newKid = await idp.rotateKeys();
      await sleep(250); // past the (test) cooldown since the last fetch
      const rotated = await idp.accessToken();
      assert.equal(decodeProtectedHeader(rotated).kid, newKid);
      const res = await t.call('GET', '/v1/me', { token: rotated });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await t.call('GET', '/v1/me', { token: before })).status, 200, 'the old key is still published');
    });

    it('offline: cached keys keep working, a new kid is unknown_signing_key; back online, it is found', async () => {
      const cached = await idp.accessToken({ orgId: 'org_offline' });
      const notYetSeen = await idp.accessToken({ orgId: 'org_offline' });
      assert.equal((await t.call('GET', '/v1/me', { token: cached })).status, 200);
      const nextKid = await idp.rotateKeys();
      const unseen = await idp.accessToken({ orgId: 'org_offline' });
      idp.goOffline();
      try {
        await sleep(250);
        const fresh = await idp.accessToken().catch(() => undefined);
        assert.equal(fresh, undefined, 'the provider is really offline');
        // A token never presented before (so the verified-credential cache cannot answer), signed
        // by a cached key: the provider is not needed.
        const res = await t.call('GET', '/v1/me', { token: notYetSeen });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        expectError(await t.call('GET', '/v1/me', { token: unseen }), 401, 'unknown_signing_key');
        expectError(await t.call('GET', '/v1/me', { token: unseen }), 401, 'unknown_signing_key');
      } finally {
        idp.goOnline();
      }
      await sleep(250);
      const res = await t.call('GET', '/v1/me', { token: unseen });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(decodeProtectedHeader(unseen).kid, nextKid);
    });

    it('disabling the rule refuses its tokens and the exchanged workspace tokens on the next request; enabling restores them', async () => {
      const token = await idp.accessToken();
      const first = await t.call('GET', '/v1/me', { token });
      assert.equal(first.status, 200);
      const exchanged = first.headers.get('authorization')!.replace(/^Bearer /, '');
      const patched = await t.call('PATCH', `/admin/v1/auth-rules/${rule.id}`, { body: { enabled: false }, headers: admin });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.enabled, false);
      expectError(await t.call('GET', '/v1/me', { token }), 401, 'unknown_issuer');
      expectError(await t.call('GET', '/v1/me', { token: exchanged }), 401, 'token_revoked');
      await t.call('PATCH', `/admin/v1/auth-rules/${rule.id}`, { body: { enabled: true }, headers: admin });
      assert.equal((await t.call('GET', '/v1/me', { token })).status, 200);
    });
  });

  describe('registered with jwks_uri', () => {
    it('accepts access tokens; deleting the rule refuses them on the next request', async () => {
      const t = await createTestApp();
      try {
        const rule = await createRule(t, { name: 'jwks', issuer: idp.issuer, audience: AUDIENCE, jwks_uri: idp.jwksUri, token_type: 'access' });
        assert.equal(rule.jwks_uri, idp.jwksUri);
        assert.equal(rule.discovery_url, null);
        const token = await idp.accessToken();
        const res = await t.call('GET', '/v1/me', { token });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.workspace_id, CLIENT_ID, 'no template: the workspace is the user id');
        assert.equal((await t.call('DELETE', `/admin/v1/auth-rules/${rule.id}`, { headers: admin })).status, 204);
        expectError(await t.call('GET', '/v1/me', { token }), 401, 'unknown_issuer');
      } finally {
        await t.close();
      }
    });

    it('an ID rule accepts the provider\'s ID tokens and refuses its access tokens', async () => {
      const t = await createTestApp();
      try {
        await createRule(t, { name: 'id', issuer: idp.issuer, audience: CLIENT_ID, jwks_uri: idp.jwksUri, token_type: 'id' });
        const res = await t.call('GET', '/v1/me', { token: await idp.idToken('alice') });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user_id, 'alice');
        assert.equal(res.body.workspace_id, 'alice');
        await createRule(t, { name: 'id for the api audience', issuer: idp.issuer, audience: AUDIENCE, jwks_uri: idp.jwksUri, token_type: 'id' });
        expectError(await t.call('GET', '/v1/me', { token: await idp.accessToken() }), 401, 'invalid_token');
      } finally {
        await t.close();
      }
    });
  });

  describe('provider offline with nothing cached', () => {
    it('answers provider_unavailable (503), never crashes, and recovers when the provider is back', async () => {
      const t = await createTestApp({ THREADGATE_JWKS_COOLDOWN_MS: '200' });
      try {
        await createRule(t, { name: 'jwks', issuer: idp.issuer, audience: AUDIENCE, jwks_uri: idp.jwksUri, token_type: 'access' });
        const token = await idp.accessToken();
        idp.goOffline();
        try {
          const res = await t.call('GET', '/v1/me', { token });
          expectError(res, 503, 'provider_unavailable');
          assert.ok(Number(res.headers.get('retry-after')) >= 1);
          expectError(await t.call('GET', '/v1/me', { token }), 503, 'provider_unavailable');
        } finally {
          idp.goOnline();
        }
        await sleep(250);
        assert.equal((await t.call('GET', '/v1/me', { token })).status, 200);
      } finally {
        await t.close();
      }
    });

    it('discovery that fails answers provider_unavailable, and retries after its backoff once the provider is back', async () => {
      const t = await createTestApp();
      try {
        await createRule(t, { name: 'disc', issuer: idp.issuer, audience: AUDIENCE, token_type: 'access' });
        const token = await idp.accessToken();
        const discoveries = idp.hits('/.well-known/openid-configuration');
        idp.goOffline();
        try {
          const res = await t.call('GET', '/v1/me', { token });
          expectError(res, 503, 'provider_unavailable');
          assert.ok(Number(res.headers.get('retry-after')) >= 1);
          // Within the backoff, requests do not knock again.
          expectError(await t.call('GET', '/v1/me', { token }), 503, 'provider_unavailable');
          expectError(await t.call('GET', '/v1/me', { token }), 503, 'provider_unavailable');
          assert.equal(idp.hits('/.well-known/openid-configuration') - discoveries, 1);
        } finally {
          idp.goOnline();
        }
        await sleep(1050); // the first backoff: 0.5 to 1 s
        const res = await t.call('GET', '/v1/me', { token });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      } finally {
        await t.close();
      }
    });
  });

  describe('a flood of unknown kids', () => {
    it('costs the provider at most one JWKS fetch per cooldown', async () => {
      const cooldownMs = 500;
      const t = await createTestApp({ THREADGATE_JWKS_COOLDOWN_MS: String(cooldownMs) });
      try {
        await createRule(t, { name: 'jwks', issuer: idp.issuer, audience: AUDIENCE, jwks_uri: idp.jwksUri, token_type: 'access' });
        const token = await idp.accessToken();
        assert.equal((await t.call('GET', '/v1/me', { token })).status, 200);
        const flood = async (size: number) => {
          const results = await Promise.all(
            Array.from({ length: size }, (_, i) => t.call('GET', '/v1/me', { token: withKid(token, `random-kid-${i}-${Math.random()}`) })),
          );
          for (const res of results) expectError(res, 401, 'unknown_signing_key');
        };
        /** Fetches seen during `fn`, and the most the cooldown allows in that time (starts at least cooldownMs apart). */
        const measure = async (fn: () => Promise<void>) => {
          const before = idp.hits('/jwks');
          const started = Date.now();
          await fn();
          return { fetches: idp.hits('/jwks') - before, allowed: Math.floor((Date.now() - started) / cooldownMs) + 1 };
        };
        // Past the cooldown, 200 concurrent unknown kids: one fetch (single flight), whatever their number.
        await sleep(cooldownMs + 50);
        let seen = await measure(() => flood(200));
        assert.ok(seen.fetches >= 1 && seen.fetches <= seen.allowed, JSON.stringify(seen));
        // Sustained for 2 s, 20 at a time: never more than one fetch per cooldown.
        seen = await measure(async () => {
          const started = Date.now();
          while (Date.now() - started < 2000) await flood(20);
        });
        assert.ok(seen.fetches <= seen.allowed, JSON.stringify(seen));
        assert.ok(seen.fetches >= 2, 'the cooldown does not block refetches forever');
      } finally {
        await t.close();
      }
    });
  });
});
