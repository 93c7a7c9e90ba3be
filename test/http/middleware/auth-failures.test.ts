/**
 * Credential guessing is throttled and recorded: every refused credential (admin key, API key,
 * tokens of every kind, refresh token) is logged with its code, kind, client address and route,
 * never the credential; an address over THREADGATE_AUTH_FAILURES_PER_MINUTE guesses is answered
 * 429 rate_limited before its credential is looked at; the counter is shared through Redis.
 *
 * In-process requests have no socket, so each test request names its client in X-Forwarded-For
 * (THREADGATE_TRUST_PROXY=true: the missing socket stands for the proxy).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger.js';
import { mintWorkspaceToken } from '../../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { serviceUrl } from '../../helpers/services.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { expectError } from '../../helpers/error-contract.js';

const LIMIT = 3;
/** A workspace token of ours with its signature changed: well-formed, refused as invalid_signature. */
const forge = (token: string, fill: string) => token.replace(/\.([^.]{8})([^.]+)$/, `.${fill.repeat(8)}$2`);
const from = (address: string, headers: Record<string, string> = {}) => ({ headers: { 'X-Forwarded-For': address, ...headers } });

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines, text: () => text };
}

function expectLimited(res: { status: number; body: any; headers: Headers }) {
  expectError(res, 429, 'rate_limited');
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  assert.equal(res.headers.get('ratelimit-limit'), String(LIMIT));
  assert.equal(res.headers.get('ratelimit-remaining'), '0');
  assert.ok(Number(res.headers.get('ratelimit-reset')) >= 1);
}

describe('failed authentication per address', () => {
  let t: TestApp;
  let log: ReturnType<typeof capturingLogger>;
  before(async () => {
    log = capturingLogger();
    t = await createTestApp({ THREADGATE_TRUST_PROXY: 'true', THREADGATE_AUTH_FAILURES_PER_MINUTE: String(LIMIT) }, { logger: log.logger });
  });
  after(async () => t.close());

  it('wrong admin keys: the limit, then 429 with Retry-After and RateLimit headers, even for the right key', async () => {
    for (let i = 0; i < LIMIT; i++) {
      expectError(await t.call('GET', '/admin/v1/api-keys', { token: `tg_admin_wrong_${i}`, ...from('203.0.113.1') }), 401, 'invalid_admin_key');
    }
    expectLimited(await t.call('GET', '/admin/v1/api-keys', { token: 'tg_admin_wrong_x', ...from('203.0.113.1') }));
    // Refused before the credential is looked at.
    expectLimited(await t.call('GET', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, ...from('203.0.113.1') }));
    expectLimited(await t.call('GET', '/v1/threads', { token: await t.tokenFor('u', 'w'), ...from('203.0.113.1') }));
    // Another address is not affected, and public routes stay open to the blocked one.
    assert.equal((await t.call('GET', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, ...from('203.0.113.2') })).status, 200);
    assert.equal((await t.call('GET', '/health', from('203.0.113.1'))).status, 200);
  });

  it('an IPv6 client is counted by its /56: guesses from many of its addresses add up, another network is not affected, the log names each address', async () => {
    const before = log.lines.length;
    // Three addresses of 2001:db8:aa::/56, each guessing once.
    const addresses = ['2001:db8:aa::1', '2001:db8:aa:10::2', '2001:db8:aa:2f::3'].slice(0, LIMIT);
    for (const [i, address] of addresses.entries()) {
      expectError(await t.call('GET', '/admin/v1/api-keys', { token: `tg_admin_wrong_v6_${i}`, ...from(address) }), 401, 'invalid_admin_key');
    }
    // One more guess from yet another address of the network goes over the limit; then even the right key is refused there.
    expectLimited(await t.call('GET', '/admin/v1/api-keys', { token: 'tg_admin_wrong_v6_x', ...from('2001:db8:aa:ff::1234') }));
    expectLimited(await t.call('GET', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, ...from('2001:db8:aa:42::9') }));
    assert.equal((await t.call('GET', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, ...from('2001:db8:ab::1') })).status, 200);
    const failures = log.lines.slice(before).filter((line) => line.msg === 'authentication failed').map((line) => line.address);
    assert.deepEqual(failures.slice(0, LIMIT), addresses);
    const block = log.lines.slice(before).find((line) => line.msg === 'too many failed authentications: address blocked');
    assert.equal(block?.network, '2001:db8:aa::/56');
  });

  it('every kind of credential counts toward one limit: API key, workspace token, malformed token, refresh token', async () => {
    const address = '203.0.113.3';
    const forged = forge(await t.tokenFor('u', 'w'), 'A');
    expectError(await t.call('GET', '/v1/threads', { token: 'tg_sk_guessed0000000000000000000000000000000', ...from(address, { 'Aui-User-Id': 'u', 'Aui-Workspace-Id': 'w' }) }), 401, 'invalid_api_key');
    expectError(await t.call('GET', '/v1/threads', { token: forged, ...from(address) }), 401, 'invalid_signature');
    expectError(await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: 'tg_rt_guessed' }, ...from(address) }), 401, 'invalid_refresh_token');
    expectLimited(await t.call('GET', '/v1/threads', { token: 'not.a.jwt', ...from(address) }));
    // The refresh route, too, refuses the blocked address before looking at its token.
    expectLimited(await t.call('POST', '/v1/auth/tokens/refresh', { body: { refresh_token: 'tg_rt_guessed' }, ...from(address) }));
  });

  it('a request without a credential, or with a genuine but expired token, is no guess', async () => {
    const address = '203.0.113.4';
    const config = t.deps.config;
    const { token: expired } = await mintWorkspaceToken(t.deps.keyring, config, {
      projectId: config.projectId, userId: 'u', workspaceId: 'w', scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false,
      credential: { source: 'workspace_token', id: 'test' },
    }, () => Date.now() - 3600_000);
    for (let i = 0; i < LIMIT + 2; i++) {
      expectError(await t.call('GET', '/v1/threads', from(address)), 401, 'authentication_required');
      expectError(await t.call('GET', '/v1/threads', { token: expired, ...from(address) }), 401, 'token_expired');
    }
    assert.equal((await t.call('GET', '/v1/threads', { token: await t.tokenFor('u', 'w'), ...from(address) })).status, 200);
  });

  it('logs every refused credential with code, kind, address and route, never the credential', async () => {
    const address = '203.0.113.5';
    const secretKey = `tg_admin_${randomBytes(16).toString('hex')}`;
    const forged = forge(await t.tokenFor('u', 'w'), 'B');
    const before = log.lines.length;
    await t.call('POST', '/admin/v1/api-keys', { token: secretKey, body: { name: 'x' }, ...from(address) });
    await t.call('GET', '/v1/threads', { token: forged, ...from(address) });
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const userToken = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'ak_guessed' })}.${b64({ sub: 'u', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })}.${randomBytes(32).toString('base64url')}`;
    await t.call('GET', '/v1/me', { token: userToken, ...from(address) });
    const lines = log.lines.slice(before).filter((line) => line.msg === 'authentication failed');
    assert.deepEqual(
      lines.map(({ code, credential, address, route }) => ({ code, credential, address, route })),
      [
        { code: 'invalid_admin_key', credential: 'admin_key', address, route: 'POST /admin/v1/api-keys' },
        { code: 'invalid_signature', credential: 'workspace_token', address, route: 'GET /v1/threads' },
        { code: 'unknown_signing_key', credential: 'user_token', address, route: 'GET /v1/me' },
      ],
    );
    assert.ok(!log.text().includes(secretKey), 'the admin key guessed is not logged');
    for (const token of [forged, userToken]) assert.ok(!log.text().includes(token.split('.')[2]!), 'the token is not logged');
    // Crossing the limit is logged once, as a warning.
    await t.call('GET', '/v1/threads', { token: 'x.y.z', ...from(address) });
    await t.call('GET', '/v1/threads', { token: 'x.y.z', ...from(address) });
    const blocked = log.lines.slice(before).filter((line) => line.msg === 'too many failed authentications: address blocked');
    assert.equal(blocked.length, 1);
    assert.equal(blocked[0]!.address, address);
    assert.equal(blocked[0]!.level, 40);
  });

  it('a cached credential is still answered in the same tick while some address is blocked', async () => {
    expectLimited(await t.call('GET', '/v1/me', { token: 'x.y.z', ...from('203.0.113.1') }));
    const token = await t.tokenFor('u3', 'w3');
    const request = () => new Request('http://localhost/v1/me', { headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '203.0.113.6' } });
    assert.equal((await t.app.fetch(request())).status, 200);
    const cached = t.app.fetch(request());
    assert.ok(cached instanceof Response, 'no promise: no await, no counter call');
    assert.equal(cached.status, 200);
  });
});

const redisUrl = serviceUrl('TEST_REDIS_URL');
if (redisUrl !== undefined) {
  describe('failed authentication shared through Redis', () => {
    let a: TestApp;
    let b: TestApp;
    before(async () => {
      const env = { REDIS_URL: redisUrl, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, THREADGATE_TRUST_PROXY: 'true', THREADGATE_AUTH_FAILURES_PER_MINUTE: String(LIMIT) };
      a = await createTestApp(env);
      b = await createTestApp(env);
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it('failures on one process count on the other; each blocks after at most one more', async () => {
      const address = '198.51.100.7';
      const guess = (app: TestApp) => app.call('GET', '/admin/v1/api-keys', { token: `tg_admin_${randomBytes(8).toString('hex')}`, ...from(address) });
      for (const app of [a, b, a]) expectError(await guess(app), 401, 'invalid_admin_key');
      expectLimited(await guess(b));
      expectLimited(await guess(a));
      // Both now refuse the address before looking at its credential.
      expectLimited(await a.call('GET', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, ...from(address) }));
      expectLimited(await b.call('GET', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, ...from(address) }));
    });
  });
}
