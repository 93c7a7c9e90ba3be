/**
 * `threadgate/hono` protecting an app's own routes: workspace tokens of a real running Threadgate
 * server verified through its JWKS, defaultPrivate/publicRoutes/privateRoutes, mapUser, and the
 * JSON error contract on refusal. Also the server's own THREADGATE_DEFAULT_PRIVATE.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { threadgateAuth, createRemoteWorkspaceTokenVerifier } from '../src/hono.js';
import { resolveConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { createLogger } from '../src/logger.js';
import { mintWorkspaceToken } from '../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../src/auth/principal.js';
import { createTestApp } from './helpers/test-app.js';
import { signUserToken } from '../src/auth/sign-user-token.js';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from './helpers/server-process.js';
import { expectError } from './helpers/error-contract.js';

describe('threadgate/hono', () => {
  let dir: string;
  let server: RunningServer;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-hono-'));
    const config = resolveConfig({ PORT: '0', DATABASE_URL: join(dir, 'h.db'), THREADGATE_MASTER_KEY: TEST_MASTER_KEY, THREADGATE_ADMIN_KEY: TEST_ADMIN_KEY });
    server = await startServer(config, { logger: createLogger('silent') });
    token = (await mintWorkspaceToken(server.deps.keyring, config, {
      projectId: 'default', userId: 'carol', workspaceId: 'org1_carol', scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false,
      credential: { source: 'api_key', id: 'k1' },
    })).token;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function appWith(options: Omit<Parameters<typeof threadgateAuth>[0], 'verify'>) {
    const app = new Hono();
    app.use('*', threadgateAuth({ verify: createRemoteWorkspaceTokenVerifier({ jwksUrl: `${server.url}/.well-known/jwks.json` }), ...options }));
    app.get('/health', (c) => c.json({ ok: true, principal: c.get('principal')?.userId ?? null }));
    app.get('/me', (c) => c.json({ user: c.get('user') ?? null }));
    app.post('/webhooks/:source', (c) => c.json({ ok: true }));
    return app;
  }

  const call = async (app: Hono, method: string, path: string, bearer?: string) => {
    const res = await app.request(path, { method, headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  it('defaultPrivate: private routes need a valid token, publicRoutes do not', async () => {
    const app = appWith({ defaultPrivate: true, publicRoutes: ['GET /health', 'POST /webhooks/*'], mapUser: (p) => ({ id: p.userId, org: p.workspaceId.split('_')[0] }) });
    expectError(await call(app, 'GET', '/me'), 401, 'authentication_required');
    const me = await call(app, 'GET', '/me', token);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.user, { id: 'carol', org: 'org1' });
    assert.equal((await call(app, 'GET', '/health')).status, 200);
    assert.equal((await call(app, 'POST', '/webhooks/github')).status, 200);
  });

  it('refuses a tampered token with the error contract, and ignores it on a public route', async () => {
    const app = appWith({ defaultPrivate: true, publicRoutes: ['GET /health'] });
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'mallory' })).toString('base64url')}.${s}`;
    expectError(await call(app, 'GET', '/me', forged), 401, 'invalid_signature');
    const health = await call(app, 'GET', '/health', forged);
    assert.equal(health.status, 200);
    assert.equal(health.body.principal, null);
    assert.equal((await call(app, 'GET', '/health', token)).body.principal, 'carol', 'a valid token still sets the principal');
  });

  it('without defaultPrivate only privateRoutes need a token', async () => {
    const app = appWith({ privateRoutes: ['GET /me'] });
    expectError(await call(app, 'GET', '/me'), 401, 'authentication_required');
    assert.equal((await call(app, 'POST', '/webhooks/x')).status, 200);
  });

  it('checks its options once, at construction', () => {
    assert.throws(() => threadgateAuth({ verify: {} as never }), TypeError);
    assert.throws(() => threadgateAuth({ verify: async () => { throw new Error(); }, publicRoutes: ['FETCH /x'] }), TypeError);
  });

  it("awaits a verifier that returns another library's promise (a thenable)", async () => {
    const principal = { projectId: 'default', userId: 'frank', workspaceId: 'w', source: 'workspace_token', credentialId: 'k', scopes: new Set(), agents: 'all', anonymous: false, user: {} };
    const thenable = { then: (resolve: (value: unknown) => void) => setImmediate(() => resolve(principal)) };
    const app = new Hono();
    app.use('*', threadgateAuth({ verify: (() => thenable) as never, defaultPrivate: true }));
    app.get('/who', (c) => c.json({ user: c.get('principal')?.userId ?? null }));
    const res = await app.request('/who', { headers: { Authorization: 'Bearer abc' } });
    assert.deepEqual(await res.json(), { user: 'frank' });
  });

  it('an in-process Authenticator accepts every credential, e.g. an API key with its headers', async () => {
    const keyRes = await fetch(`${server.url}/admin/v1/api-keys`, {
      method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'hono' }),
    });
    const key = ((await keyRes.json()) as { key: string }).key;
    const app = new Hono();
    app.use('*', threadgateAuth({ verify: server.deps.authenticator, defaultPrivate: true }));
    app.get('/who', (c) => c.json({ user: c.get('principal')?.userId, source: c.get('principal')?.source }));
    const res = await app.request('/who', { headers: { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'dave', 'Aui-Workspace-Id': 'w' } });
    assert.deepEqual(await res.json(), { user: 'dave', source: 'api_key' });
  });

  it("answers a credential the Authenticator's cache holds without verifying it again, and refuses it right after a revocation", async () => {
    const keyRes = await fetch(`${server.url}/admin/v1/api-keys`, {
      method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'hono-cached' }),
    });
    const created = (await keyRes.json()) as { key: string; id: string };
    const authenticator = server.deps.authenticator;
    // Counts the credentials verified in full: those answered with a promise, not at once from the cache.
    let verified = 0;
    const counting = {
      authenticate: (input: Parameters<typeof authenticator.authenticate>[0]) => {
        const answer = authenticator.authenticate(input);
        if (answer instanceof Promise) verified++;
        return answer;
      },
    };
    const app = new Hono();
    app.use('*', threadgateAuth({ verify: counting, defaultPrivate: true }));
    app.get('/who', (c) => c.json({ user: c.get('principal')?.userId }));
    const who = () => app.request('/who', { headers: { Authorization: `Bearer ${created.key}`, 'Aui-User-Id': 'erin', 'Aui-Workspace-Id': 'w' } });
    assert.deepEqual(await (await who()).json(), { user: 'erin' });
    assert.deepEqual(await (await who()).json(), { user: 'erin' });
    assert.equal(verified, 1, 'the second request was answered from the cache');
    const revoked = await fetch(`${server.url}/admin/v1/api-keys/${created.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(revoked.status < 300, true);
    const after = await who();
    assert.equal(after.status, 401);
    assert.equal(verified, 2, 'the revocation sent the request back to the full check');
  });
});

describe('threadgate/hono with a user-token header', () => {
  it('reads a user token from the configured header through an in-process Authenticator', async () => {
    const t = await createTestApp();
    try {
      const created = (await t.call('POST', '/admin/v1/auth-keys', { token: TEST_ADMIN_KEY, body: { name: 'k', agents: 'all' } })).body as { id: string; secret: string };
      const token = await signUserToken({ keyId: created.id, secret: created.secret, sub: 'ivy', expiresIn: '5m' });
      const app = new Hono();
      app.use('*', threadgateAuth({ verify: t.deps.authenticator, defaultPrivate: true, userTokenHeader: 'x-algolia-secure-user-token' }));
      app.get('/who', (c) => c.json({ user: c.get('principal')?.userId, source: c.get('principal')?.source }));
      const res = await app.request('/who', { headers: { 'X-Algolia-Secure-User-Token': token } });
      assert.deepEqual(await res.json(), { user: 'ivy', source: 'user_token' });
      const without = await app.request('/who');
      assert.equal(without.status, 401);
    } finally {
      await t.close();
    }
  });
});

describe('server route access settings', () => {
  it('THREADGATE_DEFAULT_PRIVATE protects /doc and /ui unless listed in THREADGATE_PUBLIC_ROUTES', async () => {
    const t = await createTestApp({ THREADGATE_DEFAULT_PRIVATE: 'true', THREADGATE_PUBLIC_ROUTES: 'GET /doc' });
    try {
      assert.equal((await t.call('GET', '/doc')).status, 200);
      expectError(await t.call('GET', '/ui'), 401, 'authentication_required');
      assert.equal((await t.call('GET', '/ui', { token: await t.tokenFor('u', 'w') })).status, 200);
      assert.equal((await t.call('GET', '/health')).status, 200);
      assert.equal((await t.call('GET', '/.well-known/jwks.json')).status, 200);
    } finally {
      await t.close();
    }
  });
});
