/**
 * How a revocation reaches the other processes (auth/revocation-epoch.ts; issue 10 items 10 and
 * 11). The database is the truth and Redis only makes it fast: a revocation made while a
 * process's Redis link is cut reaches it when the link comes back (it catches up from the
 * database once subscribed again) and, meanwhile, through the database poll, which runs with Redis
 * too; a revocation made on a process whose Redis is cut succeeds and reaches the others through
 * the database; `threadgate api-keys revoke` without REDIS_URL reaches a Redis-mode server; and
 * with nothing to tell it at all (no Redis, no poll) a cached decision still ends within
 * THREADGATE_CACHE_MAX_AGE_MS. A revocation whose epoch write and Redis message both fail still
 * succeeds (logged), and the poll never piles up reads on a hanging database.
 *
 * The outage is real: the cut processes reach Redis through a TCP proxy (test/helpers/tcp-proxy.ts)
 * that drops every connection and refuses new ones. Waits are bounded but generous ("eventually"),
 * never timed assertions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from '../helpers/server-process.js';
import { serviceUrl } from '../helpers/services.js';
import { createTempDatabase, type TempDatabase } from '../helpers/postgres-database.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import type { Redis } from 'ioredis';
import { createRevocationEpoch, REVOKING_EVENTS, subscribeRevocations } from '../../src/auth/revocation-epoch.js';
import { createEventBus } from '../../src/platform/events/bus.js';
import { createApiKey } from '../../src/auth/api-key.js';
import { createCredentialsService } from '../../src/modules/credentials-admin/credentials-service.js';
import { createTestConfig } from '../fixtures/temp-store.js';
import type { Store } from '../../src/store/store.js';
import { createTempStore, type TempStore } from '../fixtures/temp-store.js';
import { eventually } from '../helpers/eventually.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const admin = { token: TEST_ADMIN_KEY };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


interface Key {
  id: string;
  key: string;
  headers: Record<string, string>;
  token: string;
}

async function apiKeyWithToken(t: TestApp): Promise<Key> {
  const created = await t.call('POST', '/admin/v1/api-keys', { ...admin, body: { name: 'k' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { id, key } = created.body as { id: string; key: string };
  const headers = { 'Aui-User-Id': 'u1', 'Aui-Workspace-Id': 'w1' };
  const token = (await t.call('POST', '/v1/auth/tokens', { token: key, headers })).body.token as string;
  return { id, key, headers, token };
}

/** Both the key and its workspace token are accepted by `t` (and so cached there). */
async function accepts(t: TestApp, k: Key): Promise<boolean> {
  const [byKey, byToken] = await Promise.all([
    t.call('GET', '/v1/threads', { token: k.key, headers: k.headers }),
    t.call('GET', '/v1/threads', { token: k.token }),
  ]);
  return byKey.status === 200 && byToken.status === 200;
}

/** Both are refused by `t`, with the right codes. */
async function refuses(t: TestApp, k: Key): Promise<boolean> {
  const [byKey, byToken] = await Promise.all([
    t.call('GET', '/v1/threads', { token: k.key, headers: k.headers }),
    t.call('GET', '/v1/threads', { token: k.token }),
  ]);
  return byKey.status === 401 && byKey.body?.error === 'invalid_api_key' && byToken.status === 401 && byToken.body?.error === 'token_revoked';
}

describe('revocation epoch: a subscriber of the domain events', () => {
  /** A stored epoch in memory; `writeMs`: how long each write takes. */
  function settings(writeMs = 0) {
    const state = { value: undefined as string | undefined, writes: 0 };
    return {
      state,
      store: {
        getSetting: async () => state.value,
        putSetting: async (_key: string, value: string) => {
          await sleep(writeMs);
          state.value = value;
          state.writes++;
        },
      },
    };
  }
  const payloads: Record<(typeof REVOKING_EVENTS)[number], unknown> = {
    'api_key.created': { apiKey: { id: 'k', prefix: 'tg_sk_', name: 'k', scopes: [], agents: 'all' } },
    'api_key.revoked': { id: 'k' },
    'auth_key.created': { authKey: { id: 'ak', name: 'a', agents: 'all', user_fields: {} } },
    'auth_key.updated': { id: 'ak', before: { id: 'ak', name: 'a', agents: 'all', user_fields: {} }, after: { id: 'ak', name: 'a', agents: ['b'], user_fields: {} } },
    'auth_key.deleted': { id: 'ak' },
    'auth_rule.created': { rule: { id: 'ar', name: 'r' } },
    'auth_rule.updated': { id: 'ar', before: { id: 'ar', name: 'r' }, after: { id: 'ar', name: 'r' } },
    'auth_rule.deleted': { id: 'ar' },
    'user.revoked': { userId: 'u' },
    'session.revoked': { familyId: 'fam', reason: 'claim' },
  };

  it('every revoking event published in this process moves it before publish returns; other events do not', async () => {
    const { store } = settings();
    const epoch = await createRevocationEpoch({ store, redis: null, subscriber: null, redisKeyPrefix: 'test:', pollMs: 0 });
    const events = createEventBus();
    const stop = subscribeRevocations(events, epoch);
    for (const type of REVOKING_EVENTS) {
      const before = epoch.current();
      events.publish(type, payloads[type] as never, { kind: 'system' });
      assert.notEqual(epoch.current(), before, type);
    }
    const before = epoch.current();
    events.publish('agent.created', { agent: { id: 'agent' } }, { kind: 'system' });
    events.publish('auth.failed', { code: 'invalid_token', credential: 'workspace_token', address: '-', route: 'GET /v1/threads', counted: true }, { kind: 'anonymous' });
    assert.equal(epoch.current(), before, 'not a revocation');
    stop();
    events.publish('api_key.revoked', { id: 'k' }, { kind: 'system' });
    assert.equal(epoch.current(), before, 'unsubscribed');
    await epoch.close();
  });

  it('publishAndWait returns once the stored epoch is written (the other processes can poll it)', async () => {
    const { store, state } = settings(30);
    const epoch = await createRevocationEpoch({ store, redis: null, subscriber: null, redisKeyPrefix: 'test:', pollMs: 0 });
    const events = createEventBus();
    subscribeRevocations(events, epoch);
    await events.publishAndWait('user.revoked', { userId: 'u' }, { kind: 'cli' });
    assert.equal(state.writes, 1);
    assert.notEqual(state.value, undefined);
    await epoch.close();
  });
});

describe('revocation epoch: telling the others never fails a revocation', () => {
  let temp: TempStore;
  before(async () => (temp = await createTempStore()));
  after(async () => temp.close());

  function capturingLogger() {
    const warnings: string[] = [];
    return { warnings, logger: { warn: (_fields: object, message: string) => void warnings.push(message), info: () => undefined } };
  }

  it('a revocation stored while the epoch write and the Redis message both fail succeeds, moves the local epoch, and logs both', async () => {
    const failingSettings: Store = { ...temp.store, putSetting: () => Promise.reject(new Error('database gone')) };
    let published = 0;
    const cutRedis = { publish: () => (published++, Promise.reject(new Error('Connection is closed.'))) } as unknown as Redis;
    const { warnings, logger } = capturingLogger();
    const epoch = await createRevocationEpoch({ store: failingSettings, redis: cutRedis, subscriber: null, redisKeyPrefix: 'test:', pollMs: 0, logger: logger as never });
    const events = createEventBus();
    subscribeRevocations(events, epoch);
    const credentials = createCredentialsService({ repository: temp.store, events, config: createTestConfig(), secretBox: () => assert.fail('no secret box needed'), clock: () => 5 });
    const { record } = await createApiKey(temp.store, { projectId: 'default', name: 'k' });
    const before = epoch.current();
    assert.equal(await credentials.revokeApiKey(record.id, { kind: 'system' }), true, 'the revoking call answers success');
    assert.notEqual(epoch.current(), before, 'this process knows at once');
    assert.equal((await temp.store.getApiKey('default', record.id))?.revokedAt, 5, 'the revocation is stored');
    await epoch.close(); // waits for the message under way
    assert.equal(published, 1);
    assert.equal(warnings.length, 2, warnings.join('; '));
    assert.match(warnings.join('\n'), /cannot store the epoch/);
    assert.match(warnings.join('\n'), /cannot publish to Redis/);
  });

  it('polls one read at a time: a database that hangs does not pile up queries', async () => {
    let reads = 0;
    const hanging: Store = {
      ...temp.store,
      getSetting: (key) => (++reads === 1 ? temp.store.getSetting(key) : new Promise<string | undefined>(() => undefined)),
    };
    const epoch = await createRevocationEpoch({ store: hanging, redis: null, subscriber: null, redisKeyPrefix: 'test:', pollMs: 5 });
    await eventually('the first poll', () => reads >= 2);
    await sleep(200); // forty more poll intervals: none may start while the first still hangs
    await epoch.close();
    assert.equal(reads, 2, 'the start, then one poll that never answers');
  });
});

const postgresUrl = serviceUrl('TEST_POSTGRES_URL');
const redisUrl = serviceUrl('TEST_REDIS_URL');
if (postgresUrl !== undefined && redisUrl !== undefined) {
  describe('revocation across a Redis outage (three processes on one PostgreSQL, two reaching Redis through a proxy)', () => {
    let database: TempDatabase;
    let proxy: TcpProxy;
    before(async () => {
      database = await createTempDatabase(postgresUrl, 'epoch');
      const target = new URL(redisUrl);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    });
    after(async () => {
      await proxy.close();
      await database.drop();
    });

    /** a reaches Redis directly; b and c through the proxy. All share one database and Redis prefix. */
    async function threeProcesses(env: Record<string, string>, run: (a: TestApp, b: TestApp, c: TestApp) => Promise<void>): Promise<void> {
      proxy.restore();
      const shared = { DATABASE_URL: database.url, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, ...env };
      const a = await createTestApp({ ...shared, REDIS_URL: redisUrl! });
      const b = await createTestApp({ ...shared, REDIS_URL: proxy.urlThrough(redisUrl!) });
      const c = await createTestApp({ ...shared, REDIS_URL: proxy.urlThrough(redisUrl!) });
      try {
        await run(a, b, c);
      } finally {
        proxy.restore();
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    }

    it('a revocation made while the link is cut reaches the cut processes once it is back (caught up from the database)', async () => {
      // No poll and no practical max age: only the catch-up after the reconnect can tell b and c.
      await threeProcesses({ THREADGATE_REVOCATION_POLL_MS: '0', THREADGATE_CACHE_MAX_AGE_MS: '3600000' }, async (a, b, c) => {
        const k = await apiKeyWithToken(a);
        for (const t of [a, b, c]) assert.ok(await accepts(t, k), 'cached on every process');
        proxy.cut();
        assert.equal((await a.call('DELETE', `/admin/v1/api-keys/${k.id}`, admin)).status, 204);
        assert.ok(await refuses(a, k), 'the revoking process refuses at once');
        await sleep(3000);
        proxy.restore();
        await eventually('b refuses the revoked key after the reconnect', () => refuses(b, k));
        await eventually('c refuses the revoked key after the reconnect', () => refuses(c, k));
      });
    });

    it('with the link still cut, the database poll tells the cut processes (it runs with Redis too)', async () => {
      await threeProcesses({ THREADGATE_REVOCATION_POLL_MS: '200' }, async (a, b, c) => {
        const k = await apiKeyWithToken(a);
        for (const t of [b, c]) assert.ok(await accepts(t, k));
        proxy.cut();
        assert.equal((await a.call('DELETE', `/admin/v1/api-keys/${k.id}`, admin)).status, 204);
        await eventually('b refuses while cut', () => refuses(b, k));
        await eventually('c refuses while cut', () => refuses(c, k));
      });
    });

    it('a revocation on a process whose Redis is cut succeeds, and the others learn it from the database', async () => {
      await threeProcesses({ THREADGATE_REVOCATION_POLL_MS: '200' }, async (a, b, c) => {
        const k = await apiKeyWithToken(a);
        for (const t of [a, b, c]) assert.ok(await accepts(t, k));
        proxy.cut();
        const revoked = await b.call('DELETE', `/admin/v1/api-keys/${k.id}`, admin);
        assert.equal(revoked.status, 204, JSON.stringify(revoked.body));
        assert.ok(await refuses(b, k), 'the revoking process refuses at once');
        await eventually('a refuses', () => refuses(a, k));
        await eventually('c refuses (cut as well)', () => refuses(c, k));
      });
    });

    it('threadgate api-keys revoke without REDIS_URL reaches a server that uses Redis', async () => {
      await threeProcesses({}, async (a) => {
        const k = await apiKeyWithToken(a);
        assert.ok(await accepts(a, k));
        const result = spawnSync(process.execPath, [CLI, 'api-keys', 'revoke', k.id], {
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, THREADGATE_MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'silent' },
          encoding: 'utf8',
        });
        assert.equal(result.status, 0, result.stderr);
        await eventually('the Redis-mode server refuses the key revoked from the CLI', () => refuses(a, k));
      });
    });
  });
}

describe('revocation with nothing to tell the other process (no Redis, no poll): the cache max age', () => {
  it('the other process refuses within THREADGATE_CACHE_MAX_AGE_MS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-maxage-'));
    const shared = { DATABASE_URL: join(dir, 'shared.db'), THREADGATE_REVOCATION_POLL_MS: '0', THREADGATE_CACHE_MAX_AGE_MS: '600' };
    const a = await createTestApp(shared);
    const b = await createTestApp(shared);
    try {
      const k = await apiKeyWithToken(a);
      assert.ok(await accepts(b, k));
      assert.equal((await a.call('DELETE', `/admin/v1/api-keys/${k.id}`, admin)).status, 204);
      await eventually('b refuses', () => refuses(b, k));
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
