/**
 * The verified-credential cache and the verifier's cached store reads (auth/cached-lookups.ts)
 * never change a decision: a credential that was accepted (and so cached) is refused on the very
 * next request after its API key, session, user, authentication key or auth rule is revoked, even
 * a credential never seen before whose lookups are all remembered; in the revoking process at
 * once, in another process through Redis, and without Redis through the stored epoch. And a
 * credential created after a miss is accepted at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../src/auth/principal.js';
import type { CredentialSource } from '../../src/auth/principal.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { startOpenAiPeer } from '../helpers/openai-peer.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';
import { serviceUrl } from '../helpers/services.js';
import { eventually } from '../helpers/eventually.js';
import { expectError } from '../helpers/error-contract.js';



async function apiKeyWithToken(t: TestApp) {
  const key = (await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'k' } })).body as { id: string; key: string };
  const headers = { 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' };
  const token = (await t.call('POST', '/v1/auth/tokens', { token: key.key, headers })).body.token as string;
  return { ...key, headers, token };
}

describe('cached credentials and revocation (one process)', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  it('an API key and its workspace token are refused right after the key is revoked', async () => {
    const k = await apiKeyWithToken(t);
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.call('GET', '/v1/threads', { token: k.token })).status, 200);
      assert.equal((await t.call('GET', '/v1/threads', { token: k.key, headers: k.headers })).status, 200);
    }
    await t.call('DELETE', `/admin/v1/api-keys/${k.id}`, { token: TEST_ADMIN_KEY });
    expectError(await t.call('GET', '/v1/threads', { token: k.token }), 401, 'token_revoked');
    expectError(await t.call('GET', '/v1/threads', { token: k.key, headers: k.headers }), 401, 'invalid_api_key');
  });

  it('an anonymous access token is refused right after its refresh token is reused', async () => {
    const session = (await t.call('POST', '/v1/auth/tokens/anonymous')).body;
    assert.equal((await t.call('GET', '/v1/threads', { token: session.access_token })).status, 200);
    const first = session.refresh_token.token;
    assert.equal((await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: first } })).status, 200);
    expectError(await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: first } }), 401, 'refresh_token_reused');
    expectError(await t.call('GET', '/v1/threads', { token: session.access_token }), 401, 'token_revoked');
  });

  it('a user\'s cached token is refused right after the user is revoked', async () => {
    const token = await t.tokenFor('hank', 'w-hank');
    assert.equal((await t.call('GET', '/v1/threads', { token })).status, 200);
    await t.call('POST', '/admin/v1/users/hank/revoke', { token: TEST_ADMIN_KEY });
    expectError(await t.call('GET', '/v1/threads', { token }), 401, 'token_revoked');
  });
});

const admin = { token: TEST_ADMIN_KEY };
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A user token signed by hand; a new `jti` each time, so each one is a verified-cache miss. */
function userToken(kid: string, secret: string, sub = 'ursula'): string {
  const input = `${part({ alg: 'HS256', typ: 'JWT', kid })}.${part({ sub, exp: nowSeconds() + 600, jti: randomBytes(8).toString('hex') })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A workspace token never seen before, minted in-process from the given credential. */
async function freshWorkspaceToken(t: TestApp, userId: string, source: CredentialSource, id: string, issuedAtMs = Date.now()): Promise<string> {
  const { token } = await mintWorkspaceToken(
    t.deps.keyring,
    t.deps.config,
    { projectId: t.deps.config.projectId, userId, workspaceId: `w-${userId}`, scopes: ALL_SCOPES, agents: 'all', anonymous: source === 'anonymous', credential: { source, id } },
    () => issuedAtMs,
  );
  return token;
}

describe('cached lookups and revocation (one process): a never-seen credential is refused right after', () => {
  let t: TestApp;
  let jwks: JwksServer;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ISSUER = 'https://idp.cached.test/';
  function idpToken(audience: string): string {
    const input = `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part({ iss: ISSUER, aud: audience, sub: 'irene', exp: nowSeconds() + 600, jti: randomBytes(8).toString('hex') })}`;
    return `${input}.${createSign('sha256').update(input).sign(idp.privateKey).toString('base64url')}`;
  }
  before(async () => {
    jwks = await startJwksServer({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
    await jwks.close();
  });

  it('an API key, with other identity headers each time (its lookup remembered)', async () => {
    const k = await apiKeyWithToken(t);
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.call('GET', '/v1/threads', { token: k.key, headers: { 'Aui-User-Id': `u${i}`, 'Aui-Workspace-Id': 'w1' } })).status, 200);
      assert.equal((await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, `u${i}`, 'api_key', k.id) })).status, 200);
    }
    await t.call('DELETE', `/admin/v1/api-keys/${k.id}`, admin);
    expectError(await t.call('GET', '/v1/threads', { token: k.key, headers: { 'Aui-User-Id': 'u-new', 'Aui-Workspace-Id': 'w1' } }), 401, 'invalid_api_key');
    expectError(await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, 'u-new', 'api_key', k.id) }), 401, 'token_revoked');
  });

  it('an authentication key, and the workspace tokens exchanged for its user tokens', async () => {
    const key = (await t.call('POST', '/admin/v1/auth-keys', { ...admin, body: { name: 'cached' } })).body as { id: string; secret: string };
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.call('GET', '/v1/threads', { token: userToken(key.id, key.secret) })).status, 200);
      assert.equal((await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, 'ursula', 'user_token', key.id) })).status, 200);
    }
    assert.equal((await t.call('DELETE', `/admin/v1/auth-keys/${key.id}`, admin)).status, 204);
    expectError(await t.call('GET', '/v1/threads', { token: userToken(key.id, key.secret) }), 401, 'unknown_signing_key');
    expectError(await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, 'ursula', 'user_token', key.id) }), 401, 'token_revoked');
  });

  it('an auth rule disabled, re-enabled, then deleted; a rule created after a miss, and a second rule for a known issuer', async () => {
    expectError(await t.call('GET', '/v1/me', { token: idpToken('aud-one') }), 401, 'unknown_issuer');
    const created = await t.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'cached', issuer: ISSUER, audience: 'aud-one', jwks_uri: jwks.url, token_type: 'access' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ruleId = created.body.id as string;
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.call('GET', '/v1/me', { token: idpToken('aud-one') })).status, 200, 'created after a miss: accepted at once');
      assert.equal((await t.call('GET', '/v1/me', { token: await freshWorkspaceToken(t, 'irene', 'auth_rule', ruleId) })).status, 200);
    }
    // The issuer's rule list is remembered: a second rule for it must be found at once.
    expectError(await t.call('GET', '/v1/me', { token: idpToken('aud-two') }), 401, 'invalid_claims');
    const second = await t.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'second', issuer: ISSUER, audience: 'aud-two', jwks_uri: jwks.url, token_type: 'access' } });
    assert.equal(second.status, 201);
    assert.equal((await t.call('GET', '/v1/me', { token: idpToken('aud-two') })).status, 200);
    await t.call('DELETE', `/admin/v1/auth-rules/${second.body.id as string}`, admin);

    assert.equal((await t.call('PATCH', `/admin/v1/auth-rules/${ruleId}`, { ...admin, body: { enabled: false } })).status, 200);
    expectError(await t.call('GET', '/v1/me', { token: idpToken('aud-one') }), 401, 'unknown_issuer');
    expectError(await t.call('GET', '/v1/me', { token: await freshWorkspaceToken(t, 'irene', 'auth_rule', ruleId) }), 401, 'token_revoked');
    assert.equal((await t.call('PATCH', `/admin/v1/auth-rules/${ruleId}`, { ...admin, body: { enabled: true } })).status, 200);
    assert.equal((await t.call('GET', '/v1/me', { token: idpToken('aud-one') })).status, 200, 're-enabled: accepted at once');
    assert.equal((await t.call('GET', '/v1/me', { token: await freshWorkspaceToken(t, 'irene', 'auth_rule', ruleId) })).status, 200);
    assert.equal((await t.call('DELETE', `/admin/v1/auth-rules/${ruleId}`, admin)).status, 204);
    expectError(await t.call('GET', '/v1/me', { token: idpToken('aud-one') }), 401, 'unknown_issuer');
    expectError(await t.call('GET', '/v1/me', { token: await freshWorkspaceToken(t, 'irene', 'auth_rule', ruleId) }), 401, 'token_revoked');
  });

  it('an anonymous session\'s refresh family, revoked by reuse', async () => {
    const session = (await t.call('POST', '/v1/auth/tokens/anonymous')).body;
    const claims = JSON.parse(Buffer.from(session.access_token.split('.')[1], 'base64url').toString()) as { sub: string; cid: string };
    for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, claims.sub, 'anonymous', claims.cid) })).status, 200);
    const first = session.refresh_token.token;
    assert.equal((await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: first } })).status, 200);
    expectError(await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: first } }), 401, 'refresh_token_reused');
    expectError(await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, claims.sub, 'anonymous', claims.cid) }), 401, 'token_revoked');
  });

  it('a user\'s tokens, revoked through the admin API or through the users service (as the CLI does)', async () => {
    const k = await apiKeyWithToken(t);
    const earlier = Date.now() - 5_000;
    // The epoch moves on the `user.revoked` event, whoever publishes it (auth/revocation-epoch.ts);
    // the store's upsertUser no longer revokes anything by itself (the platform writes no mark with it).
    for (const [user, revoke] of [
      ['vera', () => t.call('POST', '/admin/v1/users/vera/revoke', admin)],
      ['walt', () => t.deps.users.service.revokeUser('walt', { kind: 'cli' })],
    ] as const) {
      // The user has no row yet: remembered as absent.
      for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, user, 'api_key', k.id, earlier) })).status, 200);
      await revoke();
      expectError(await t.call('GET', '/v1/threads', { token: await freshWorkspaceToken(t, user, 'api_key', k.id, earlier) }), 401, 'token_revoked');
    }
  });
});

/** Two servers (a and b) on one SQLite file with `env`, as two processes would be; both closed after `run`. */
async function twoProcesses(env: Record<string, string>, run: (a: TestApp, b: TestApp) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-epoch-'));
  const shared = { DATABASE_URL: join(dir, 'shared.db'), ...env };
  const a = await createTestApp(shared);
  const b = await createTestApp(shared);
  try {
    await run(a, b);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Returns once `b` has heard every epoch move `a` made so far (a credential's creation moves it too):
 * a key `b` has cached, revoked on `a` after them, is refused by `b`. Then a later move is the only
 * thing that can drop what `b` caches next (the stored epoch is one value; the Redis channel keeps
 * the order).
 */
async function hearEverythingSoFar(a: TestApp, b: TestApp): Promise<void> {
  const marker = await apiKeyWithToken(a);
  assert.equal((await b.call('GET', '/v1/threads', { token: marker.token })).status, 200);
  assert.equal((await a.call('DELETE', `/admin/v1/api-keys/${marker.id}`, admin)).status, 204);
  await eventually('b has heard a so far', async () => (await b.call('GET', '/v1/threads', { token: marker.token })).status === 401, 10_000);
}

describe('cached credentials and revocation (two processes on one database, no Redis)', () => {
  it('the other process refuses within the poll interval', async () => {
    await twoProcesses({ THREADGATE_REVOCATION_POLL_MS: '50' }, async (a, b) => {
      const k = await apiKeyWithToken(a);
      assert.equal((await b.call('GET', '/v1/threads', { token: k.token })).status, 200, 'b has it cached');
      await a.call('DELETE', `/admin/v1/api-keys/${k.id}`, { token: TEST_ADMIN_KEY });
      // Well within the cache's max age (30 s), so the poll is what told b.
      await eventually('b refuses the revoked key', async () => (await b.call('GET', '/v1/threads', { token: k.token })).status === 401, 10_000);
      expectError(await b.call('GET', '/v1/threads', { token: k.token }), 401, 'token_revoked');
    });
  });

  it('the other process refuses a never-seen user token of a deleted key within the poll interval', async () => {
    await twoProcesses({ THREADGATE_REVOCATION_POLL_MS: '50' }, async (a, b) => {
      const key = (await a.call('POST', '/admin/v1/auth-keys', { ...admin, body: { name: 'shared' } })).body as { id: string; secret: string };
      for (let i = 0; i < 3; i++) assert.equal((await b.call('GET', '/v1/threads', { token: userToken(key.id, key.secret) })).status, 200, 'b remembers the key');
      assert.equal((await a.call('DELETE', `/admin/v1/auth-keys/${key.id}`, admin)).status, 204);
      await eventually('b refuses the deleted key', async () => (await b.call('GET', '/v1/threads', { token: userToken(key.id, key.secret) })).status === 401, 10_000);
      expectError(await b.call('GET', '/v1/threads', { token: userToken(key.id, key.secret) }), 401, 'unknown_signing_key');
    });
  });

  it('the other process applies a key\'s narrowed agents to a user token it has cached within the poll interval', async () => {
    await twoProcesses({ THREADGATE_REVOCATION_POLL_MS: '50' }, async (a, b) => {
      const key = (await a.call('POST', '/admin/v1/auth-keys', { ...admin, body: { name: 'narrowed' } })).body as { id: string; secret: string };
      const token = userToken(key.id, key.secret);
      // The key's creation moved the stored epoch too: polled after b's caching, it would let b pass without the PATCH's move.
      await hearEverythingSoFar(a, b);
      for (let i = 0; i < 3; i++) assert.equal((await b.call('GET', '/v1/me', { token })).body.agents, 'all', 'b remembers the key');
      assert.equal((await a.call('PATCH', `/admin/v1/auth-keys/${key.id}`, { ...admin, body: { agents: ['support'] } })).status, 200);
      await eventually('b applies the new agents', async () => Array.isArray((await b.call('GET', '/v1/me', { token })).body.agents), 10_000);
      assert.deepEqual((await b.call('GET', '/v1/me', { token })).body.agents, ['support']);
      expectError(await b.call('POST', '/v1/agents/billing/text', { token, body: { input: 'hi' } }), 403, 'forbidden');
    });
  });
});

/** @see issue 10 items 2 (exact across processes) and 14 (a remembered miss ends when the credential is created) */
describe('user revocation and remembered misses across two processes (no Redis)', () => {
  it('a workspace token minted on one process right after a user revocation on the other works on both; one minted before works on neither', async () => {
    await twoProcesses({ THREADGATE_REVOCATION_POLL_MS: '50' }, async (a, b) => {
      const k = await apiKeyWithToken(a);
      const headers = { 'Aui-User-Id': 'kurt', 'Aui-Workspace-Id': 'w-kurt' };
      for (let round = 0; round < 3; round++) {
        const before = (await b.call('POST', '/v1/auth/tokens', { token: k.key, headers })).body.token as string;
        assert.equal((await b.call('GET', '/v1/threads', { token: before })).status, 200);
        assert.equal((await a.call('POST', '/admin/v1/users/kurt/revoke', admin)).status, 200);
        // Minted by b at once, before b has heard of the revocation: b reads the user's mark from the database.
        const minted = (await b.call('POST', '/v1/auth/tokens', { token: k.key, headers })).body.token as string;
        for (const t of [a, b]) assert.equal((await t.call('GET', '/v1/threads', { token: minted })).status, 200, `round ${round}`);
        expectError(await a.call('GET', '/v1/threads', { token: before }), 401, 'token_revoked');
        await eventually('b refuses the token minted before', async () => (await b.call('GET', '/v1/threads', { token: before })).body?.error === 'token_revoked');
        assert.equal((await b.call('GET', '/v1/threads', { token: minted })).status, 200);
      }
    });
  });

  it('an issuer remembered as unknown on one process is found there once the other creates a rule for it', async () => {
    const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issuer = 'https://idp.miss.test/';
    const jwks = await startJwksServer({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    const token = () => {
      const input = `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part({ iss: issuer, aud: 'api', sub: 'lena', exp: nowSeconds() + 600, jti: randomBytes(8).toString('hex') })}`;
      return `${input}.${createSign('sha256').update(input).sign(idp.privateKey).toString('base64url')}`;
    };
    try {
      await twoProcesses({ THREADGATE_REVOCATION_POLL_MS: '50' }, async (a, b) => {
        for (let i = 0; i < 3; i++) expectError(await b.call('GET', '/v1/me', { token: token() }), 401, 'unknown_issuer');
        const created = await a.call('POST', '/admin/v1/auth-rules', { ...admin, body: { name: 'miss', issuer, audience: 'api', jwks_uri: jwks.url, token_type: 'access' } });
        assert.equal(created.status, 201);
        assert.equal((await a.call('GET', '/v1/me', { token: token() })).status, 200, 'at once on the process that created it');
        await eventually('the other process finds the new rule', async () => (await b.call('GET', '/v1/me', { token: token() })).status === 200);
      });
    } finally {
      await jwks.close();
    }
  });
});

const redisUrl = serviceUrl('TEST_REDIS_URL');
if (redisUrl !== undefined) {
  describe('cached credentials and revocation (two processes, Redis)', () => {
    it('the other process refuses as soon as the Redis message arrives', async () => {
      // Polling off: only Redis can tell b.
      const env = { REDIS_URL: redisUrl, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, THREADGATE_REVOCATION_POLL_MS: '0' };
      await twoProcesses(env, async (a, b) => {
        const k = await apiKeyWithToken(a);
        assert.equal((await b.call('GET', '/v1/threads', { token: k.token })).status, 200);
        await a.call('DELETE', `/admin/v1/api-keys/${k.id}`, { token: TEST_ADMIN_KEY });
        // Polling is off, and the cache's max age (THREADGATE_CACHE_MAX_AGE_MS, 30 s) is the only
        // other way b could learn it: refused well within it, the message is what told b.
        await eventually('b refuses the revoked key', async () => (await b.call('GET', '/v1/threads', { token: k.token })).status === 401, 10_000);
        expectError(await b.call('GET', '/v1/threads', { token: k.token }), 401, 'token_revoked');
      });
    });

    /** @see issue 12: PATCH /admin/v1/auth-keys/{id} was tested across processes through the poll only. */
    it('the other process applies a key\'s narrowed agents to a user token it has cached as soon as the Redis message arrives', async () => {
      // The poll at its longest (a minute) and the cache's max age an hour: b is given 10 s, so only
      // the Redis message can tell it in time.
      const env = {
        REDIS_URL: redisUrl,
        THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`,
        THREADGATE_REVOCATION_POLL_MS: '60000',
        THREADGATE_CACHE_MAX_AGE_MS: '3600000',
      };
      const peer = await startOpenAiPeer();
      try {
        await twoProcesses(env, async (a, b) => {
          const created = await a.call('POST', '/admin/v1/providers', { ...admin, body: { id: 'peer', base_url: peer.baseUrl, api_key: 'sk-test-provider-key-0123456789', models: ['echo'] } });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          for (const id of ['billing', 'support']) {
            assert.equal((await a.call('POST', '/admin/v1/agents', { ...admin, body: { id, name: id, provider_id: 'peer', model: 'echo' } })).status, 201);
          }
          const key = (await a.call('POST', '/admin/v1/auth-keys', { ...admin, body: { name: 'narrowed' } })).body as { id: string; secret: string };
          const token = userToken(key.id, key.secret);
          const run = (t: TestApp, agent: string) => t.call('POST', `/v1/agents/${agent}/text`, { token, body: { input: 'hi' } });
          // The key's creation moved the epoch too: heard after b's caching, it would let b pass without the PATCH's message.
          await hearEverythingSoFar(a, b);
          for (let i = 0; i < 3; i++) assert.equal((await run(b, 'billing')).status, 200, 'b accepts (and remembers) the key for billing');
          assert.equal((await a.call('PATCH', `/admin/v1/auth-keys/${key.id}`, { ...admin, body: { agents: ['support'] } })).status, 200);
          // The message is sent after the PATCH answers (never awaited: Redis may be cut), so b is
          // given until it arrives, well before anything else could tell it.
          await eventually('b refuses billing', async () => (await run(b, 'billing')).status === 403, 10_000);
          expectError(await run(b, 'billing'), 403, 'forbidden');
          assert.equal((await run(b, 'support')).status, 200, 'the agent the key keeps');
        });
      } finally {
        await peer.close();
      }
    });
  });
}
