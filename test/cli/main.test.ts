/**
 * The `threadgate` command line as a user runs it (the built dist/cli/main.js): api-keys
 * create|list|revoke, migrate, keys rotate, usage errors, and configuration errors that name the
 * variable instead of crashing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess, TEST_MASTER_KEY } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('threadgate CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env, ...extra }, encoding: 'utf8' });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-cli-'));
    env = { DATABASE_URL: join(dir, 'cli.db'), THREADGATE_MASTER_KEY: TEST_MASTER_KEY };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate runs the migrations and says so', () => {
    const result = run(['migrate']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /up to date \(sqlite\)/);
  });

  it('api-keys create shows the key once; list never shows it; revoke marks it revoked', () => {
    const created = run(['api-keys', 'create', '--name', 'backend', '--scopes', 'threads:read']);
    assert.equal(created.status, 0, created.stderr);
    const record = JSON.parse(created.stdout) as { id: string; key: string; prefix: string; scopes: string[] };
    assert.match(record.key, /^tg_sk_/);
    assert.ok(record.key.startsWith(record.prefix));
    assert.deepEqual(record.scopes, ['threads:read']);

    const listed = run(['api-keys', 'list']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(record.key), 'list never prints a secret');
    const keys = JSON.parse(listed.stdout) as Array<{ id: string; revoked_at: string | null }>;
    assert.equal(keys.find((k) => k.id === record.id)?.revoked_at, null);

    assert.equal(run(['api-keys', 'revoke', record.id]).status, 0);
    const after = JSON.parse(run(['api-keys', 'list']).stdout) as Array<{ id: string; revoked_at: string | null }>;
    assert.notEqual(after.find((k) => k.id === record.id)?.revoked_at, null);
    assert.equal(run(['api-keys', 'revoke', 'key_missing']).status, 1);
  });

  it('refuses bad command lines and bad scopes with the usage text', () => {
    const unknown = run(['frobnicate']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.match(unknown.stderr, /Usage: threadgate/);
    const badScope = run(['api-keys', 'create', '--name', 'x', '--scopes', 'root']);
    assert.equal(badScope.status, 1);
    assert.match(badScope.stderr, /unknown scope "root"/);
    assert.equal(run(['api-keys', 'create']).status, 1);
  });

  it('a bad setting stops the command with a message that names it', () => {
    const result = run(['serve'], { PORT: 'eighty' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /configuration error: PORT/);
    const prod = run(['serve'], { NODE_ENV: 'production', THREADGATE_MASTER_KEY: '' });
    assert.equal(prod.status, 1);
    assert.match(prod.stderr, /THREADGATE_MASTER_KEY/);
  });

  it('the production start banner says browsers are refused until THREADGATE_CORS_ORIGINS is set, and they are', async () => {
    const production = { DATABASE_URL: join(dir, 'prod.db'), NODE_ENV: 'production', HOST: '127.0.0.1' };
    const preflight = (url: string) =>
      fetch(`${url}/v1/threads`, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' } });
    const closed = await startServerProcess(production);
    try {
      assert.match(closed.output(), /browsers on other origins are refused until THREADGATE_CORS_ORIGINS lists them/);
      assert.equal((await preflight(closed.url)).headers.get('access-control-allow-origin'), null, 'the banner tells the truth');
    } finally {
      await closed.stop();
    }
    const open = await startServerProcess({ ...production, THREADGATE_CORS_ORIGINS: 'https://app.example.com' });
    try {
      assert.doesNotMatch(open.output(), /are refused until/);
      assert.match(open.output(), /CORS: browsers may call from https:\/\/app\.example\.com/);
      assert.equal((await preflight(open.url)).headers.get('access-control-allow-origin'), 'https://app.example.com');
    } finally {
      await open.stop();
    }
  });

  it('keys rotate publishes a new key beside the old one', async () => {
    const server = await startServerProcess(env);
    try {
      const before = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      assert.equal(before.keys.length, 1);
      const rotated = run(['keys', 'rotate']);
      assert.equal(rotated.status, 0, rotated.stderr);
      const afterRotate = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      assert.equal(afterRotate.keys.length, 2);
      assert.ok(afterRotate.keys.some((k) => k.kid === before.keys[0]!.kid), 'the old key stays published');
    } finally {
      await server.stop();
    }
  });
  it('token inspect explains a refused token and exits 2, and an accepted API key and exits 0', () => {
    const refused = run(['token', 'inspect', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']);
    assert.equal(refused.status, 2, refused.stderr);
    const report = JSON.parse(refused.stdout) as { accepted: boolean; error: { code: string }; steps: Array<{ check: string; ok: boolean }> };
    assert.equal(report.accepted, false);
    assert.equal(report.error.code, 'invalid_token');
    const key = (JSON.parse(run(['api-keys', 'create', '--name', 'inspect']).stdout) as { key: string }).key;
    const accepted = run(['token', 'inspect', key, '--user-id', 'u', '--workspace-id', 'w']);
    assert.equal(accepted.status, 0, accepted.stderr);
    assert.ok(!accepted.stdout.includes(key), 'the key is never printed');
    assert.equal((JSON.parse(accepted.stdout) as { principal: { source: string } }).principal.source, 'api_key');
  });
  it('refuses to start with a master key that cannot open the stored signing key', () => {
    assert.equal(run(['migrate']).status, 0);
    const wrong = run(['token', 'inspect', 'x.y.z'], { THREADGATE_MASTER_KEY: 'ff'.repeat(32) });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /configuration error: THREADGATE_MASTER_KEY: cannot decrypt the stored signing key/);
  });
});
