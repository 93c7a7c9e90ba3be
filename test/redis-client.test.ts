/**
 * Redis down must cost little: every Redis client logs its connection trouble through pino (one
 * line per outage, not one per retry; never ioredis's plain-text "Unhandled error event"), and
 * rate limits fall back to counting in the process instead of failing or stalling the request.
 * Redis is made unreachable through a TCP proxy that the test cuts, or a closed port.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createRedisClient } from '../src/redis-client.js';
import { createLogger } from '../src/logger.js';
import { serviceUrl } from './helpers/services.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { startServerProcess, TEST_MASTER_KEY, type ServerProcess } from './helpers/server-process.js';
import { eventually } from './helpers/eventually.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}


function logLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`a line of output is not a JSON log line: ${line}`);
      }
    });
}

describe('a Redis client whose Redis is unreachable', () => {
  it('logs one pino line for the outage, not one per reconnection attempt', async () => {
    let written = '';
    const sink = new Writable({ write: (chunk, _encoding, done) => ((written += chunk), done()) });
    const client = createRedisClient(`redis://127.0.0.1:${await closedPort()}`, createLogger('info', sink), 'server');
    let attempts = 0;
    client.on('error', () => attempts++);
    try {
      await eventually('three failed connection attempts', () => attempts >= 3);
      const lines = logLines(written);
      assert.equal(lines.length, 1, written);
      assert.equal(lines[0]!.level, 40);
      assert.equal(lines[0]!.redis, 'server');
      assert.match(String(lines[0]!.msg), /Redis unreachable/);
      assert.match(JSON.stringify(lines[0]!.error), /ECONNREFUSED/);
      // A command fails fast instead of waiting for Redis.
      await assert.rejects(client.get('x'));
    } finally {
      client.disconnect();
    }
  });

  it('the CLI prints nothing of it in plain text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-redis-cli-'));
    try {
      const env = { PATH: process.env.PATH ?? '', DATABASE_URL: join(dir, 'cli.db'), THREADGATE_MASTER_KEY: TEST_MASTER_KEY, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` };
      const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
      // A command that never needs Redis does not even connect.
      const listed = run('api-keys', 'list');
      assert.equal(listed.status, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout), []);
      assert.equal(listed.stderr, '');
      // A revocation tells running servers through Redis: it tries, and says why it could not in JSON.
      const created = JSON.parse(run('api-keys', 'create', '--name', 'x').stdout) as { id: string };
      const revoked = run('api-keys', 'revoke', created.id);
      // The revocation is stored, so the command succeeds (issue 10 item 11); what it says is JSON only.
      assert.equal(revoked.status, 0, revoked.stderr);
      for (const line of revoked.stderr.split('\n').filter((l) => l !== '')) {
        assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
      }
      assert.doesNotMatch(revoked.stderr, /Unhandled error/);
      assert.ok(revoked.stderr.split('\n').some((line) => line.startsWith('{') && JSON.parse(line).msg?.includes('Redis unreachable')), revoked.stderr);
      assert.notEqual((JSON.parse(run('api-keys', 'list').stdout) as Array<{ revoked_at: string | null }>)[0]!.revoked_at, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const redisUrl = serviceUrl('TEST_REDIS_URL');
if (redisUrl !== undefined) {
  describe('anonymous sign-in while Redis is unreachable', () => {
    let proxy: TcpProxy;
    let server: ServerProcess;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'threadgate-redis-down-'));
      proxy = await startTcpProxy(new URL(redisUrl).hostname, Number(new URL(redisUrl).port || 6379));
      server = await startServerProcess({
        DATABASE_URL: join(dir, 'server.db'),
        REDIS_URL: proxy.urlThrough(redisUrl),
        THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`,
        THREADGATE_ANONYMOUS: 'true',
        THREADGATE_ANONYMOUS_MINTS_PER_MINUTE: '3',
        LOG_LEVEL: 'info',
      });
    });
    after(async () => {
      await server.stop();
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const mint = async () => (await fetch(`${server.url}/v1/auth/tokens/anonymous`, { method: 'POST' })).status;

    it('succeeds and is still limited (in the process), logs a warning, and uses Redis again once it is back', async () => {
      assert.equal(await mint(), 200, 'one mint counted in Redis');
      const since = server.output().length;

      proxy.cut();
      // The in-process fallback counts from zero: three mints, then the limit.
      assert.deepEqual([await mint(), await mint(), await mint(), await mint()], [200, 200, 200, 429]);
      await eventually('the outage is logged', () => server.output().slice(since).includes('Redis unreachable'));
      const during = logLines(server.output().slice(since));
      assert.ok(during.some((line) => line.level === 40 && /rate limits are counted in this process/.test(String(line.msg))), 'the fallback is logged as a warning');
      assert.ok(during.every((line) => !/MaxRetriesPerRequest/.test(JSON.stringify(line))));

      proxy.restore();
      // The command connection's (not the subscriber's, which may come back first): the limits use that one.
      await eventually('the command connection is back', () =>
        logLines(server.output().slice(since)).some((line) => line.redis === 'server' && line.msg === 'Redis reachable again'),
      );
      // Back on the shared counter in Redis, which holds the one mint from before the outage.
      assert.deepEqual([await mint(), await mint(), await mint()], [200, 200, 429]);
      logLines(server.output().slice(since));
    });
  });

  describe('a subscriber closed just as Redis comes back', () => {
    it('leaves no unhandled rejection (the client does not re-subscribe on its own; issue 12)', async () => {
      const proxy = await startTcpProxy(new URL(redisUrl).hostname, Number(new URL(redisUrl).port || 6379));
      const subscriber = createRedisClient(proxy.urlThrough(redisUrl), createLogger('silent'), 'subscriber');
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        await subscriber.subscribe(`tgtest:${randomBytes(6).toString('hex')}:events`);
        proxy.cut();
        await eventually('the link is lost', () => subscriber.status !== 'ready');
        proxy.restore();
        // A server closing the moment the link is back: the connection is closed before Redis has
        // answered anything sent on `ready`. ioredis's own re-subscription, sent then, was a
        // promise nobody caught: it rejected with "Connection is closed." unhandled.
        await new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
        subscriber.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(unhandled.map((reason) => String(reason)), []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        subscriber.disconnect();
        await proxy.close();
      }
    });
  });
}
