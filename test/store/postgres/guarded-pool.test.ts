/**
 * src/store/postgres/guarded-pool.ts and the PostgreSQL timeouts: a database that stops answering
 * (a stalled network, a statement stuck behind a lock) answers 503 `database_unavailable` within
 * the configured timeouts instead of hanging the request; the server recovers when the database
 * does; and migrations at start are not bound by the statement timeout. Each test has a test
 * timeout, so a hang fails instead of stalling the suite.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { serviceUrl } from '../../helpers/services.js';
import { createTempDatabase, type TempDatabase } from '../../helpers/postgres-database.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { createPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { classifyPostgresError } from '../../../src/store/postgres/guarded-pool.js';
import { createThreadsModule } from '../../../src/modules/threads/index.js';
import { expectError } from '../../helpers/error-contract.js';

/** Kysely's PostgreSQL migration lock (kysely/dist/esm/dialect/postgres/postgres-adapter.js). */
const KYSELY_MIGRATION_LOCK = '3853314791062309107';
const HANG = { timeout: 60_000 };

describe('classifyPostgresError', () => {
  it('a cancelled statement keeps its connection; a lost connection or a timeout does not; anything else is not ours', () => {
    assert.equal(classifyPostgresError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })), 'cancelled');
    assert.equal(classifyPostgresError(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' })), 'cancelled');
    assert.equal(classifyPostgresError(new Error('Query read timeout')), 'lost');
    assert.equal(classifyPostgresError(new Error('timeout exceeded when trying to connect')), 'lost');
    assert.equal(classifyPostgresError(new Error('Connection terminated due to connection timeout')), 'lost');
    assert.equal(classifyPostgresError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'lost');
    assert.equal(classifyPostgresError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })), 'lost');
    assert.equal(classifyPostgresError(Object.assign(new Error('duplicate key'), { code: '23505' })), undefined);
    assert.equal(classifyPostgresError(new Error('syntax error')), undefined);
    assert.equal(classifyPostgresError('text'), undefined);
  });
});

const postgresUrl = serviceUrl('TEST_POSTGRES_URL');
if (postgresUrl !== undefined) {
  describe('a PostgreSQL that stops answering gets 503 database_unavailable, not a hang', () => {
    let database: TempDatabase;
    let proxy: TcpProxy;
    let t: TestApp;
    let token: string;
    before(async () => {
      database = await createTempDatabase(postgresUrl, 'timeouts');
      const target = new URL(database.url);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      t = await createTestApp({
        DATABASE_URL: proxy.urlThrough(database.url),
        THREADGATE_DATABASE_CONNECT_TIMEOUT_MS: '500',
        THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS: '1000',
        THREADGATE_REVOCATION_POLL_MS: '0',
      });
      token = await t.tokenFor('u1', 'w1');
    });
    after(async () => {
      await t?.close();
      await proxy?.close();
      await database?.drop();
    });

    it('stalled network: the request in flight and the next ones answer 503 JSON; after the stall, requests work again', HANG, async () => {
      const created = await t.call('POST', '/v1/threads', { token, body: { title: 'before' } });
      assert.equal(created.status, 201);
      proxy.stall();
      try {
        // On a pooled connection: the client's read timeout.
        expectError(await t.call('GET', '/v1/threads', { token }), 503, 'database_unavailable');
        // The stuck connection was thrown away; a new one cannot be opened: the connect timeout.
        const refused = await t.call('POST', '/v1/threads', { token, body: { title: 'during' } });
        expectError(refused, 503, 'database_unavailable');
        assert.doesNotMatch(JSON.stringify(refused.body), /postgres|127\.0\.0\.1|timeout exceeded/i, 'no driver detail in the answer');
      } finally {
        proxy.resume();
      }
      const listed = await t.call('GET', '/v1/threads', { token });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.threads.map((thread: { title: string }) => thread.title), ['before']);
    });
  });

  describe('a statement stuck behind a lock gets 503 database_unavailable at the statement timeout', () => {
    let database: TempDatabase;
    let t: TestApp;
    let token: string;
    let locker: pg.Client;
    before(async () => {
      database = await createTempDatabase(postgresUrl, 'stmt_timeout');
      t = await createTestApp({ DATABASE_URL: database.url, THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS: '500', THREADGATE_REVOCATION_POLL_MS: '0' });
      token = await t.tokenFor('u1', 'w1');
      locker = new pg.Client({ connectionString: database.url });
      await locker.connect();
    });
    after(async () => {
      await locker?.end();
      await t?.close();
      await database?.drop();
    });

    it('writes and reads blocked by another connection\'s lock answer 503; the lock gone, the same pool serves again', HANG, async () => {
      const threadId = (await t.call('POST', '/v1/threads', { token, body: { title: 'old' } })).body.thread_id as string;
      await locker.query('begin');
      await locker.query('lock table threads in access exclusive mode');
      try {
        expectError(await t.call('PUT', `/v1/threads/${threadId}`, { token, body: { title: 'new' } }), 503, 'database_unavailable');
        expectError(await t.call('GET', '/v1/threads', { token }), 503, 'database_unavailable');
      } finally {
        await locker.query('rollback');
      }
      assert.equal((await t.call('PUT', `/v1/threads/${threadId}`, { token, body: { title: 'new' } })).status, 204);
      const thread = await t.call('GET', `/v1/threads/${threadId}`, { token });
      assert.equal(thread.body.thread.title, 'new');
    });
  });

  describe('migrations are not bound by the statement timeout', () => {
    let database: TempDatabase;
    before(async () => {
      database = await createTempDatabase(postgresUrl, 'migrate_wait');
    });
    after(async () => {
      await database?.drop();
    });

    it('a start that waits for another process\'s migration lock longer than the statement timeout still migrates', HANG, async () => {
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      const store = createPostgresStore({ url: database.url, statementTimeoutMs: 200 });
      try {
        await other.query(`select pg_advisory_lock(${KYSELY_MIGRATION_LOCK})`);
        const migrating = store.migrate();
        const failure = migrating.then(() => undefined, (error: unknown) => error);
        // Wait until the migration is queued behind the lock, then keep it waiting past the timeout.
        while ((await other.query<{ n: number }>("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted")).rows[0]!.n === 0) {
          await sleep(20);
        }
        await sleep(600);
        await other.query(`select pg_advisory_unlock(${KYSELY_MIGRATION_LOCK})`);
        assert.equal(await failure, undefined, 'the migration succeeded');
        assert.deepEqual(await createThreadsModule({ store, clock: Date.now }).threads.listThreads({ projectId: 'p', workspaceId: 'w', limit: 1 }), []);
      } finally {
        await other.end();
        await store.close();
      }
    });
  });
}
