/**
 * `threadgate auth-keys create|list|update|delete` and `threadgate token sign` as a user runs them (the
 * built dist/cli/main.js), against a real server process: the secret is printed once, a signed
 * token works on GET /v1/me, the printed curl line is ready to run, and a deleted key's tokens are
 * refused by the running server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startServerProcess, TEST_MASTER_KEY, type ServerProcess } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('threadgate auth-keys and token sign', () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env, ...extra }, encoding: 'utf8' });
  /**
   * GET /v1/me on a fresh connection each time: spawnSync blocks this event loop for seconds, long
   * enough for the server to close an idle keep-alive socket that fetch would then reuse.
   */
  const me = (token: string, header = 'Authorization', value = `Bearer ${token}`) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpGet(`${server.url}/v1/me`, { agent: false, headers: { [header]: value } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-cli-auth-keys-'));
    env = { DATABASE_URL: join(dir, 'cli.db'), THREADGATE_MASTER_KEY: TEST_MASTER_KEY, THREADGATE_USER_TOKEN_HEADER: 'X-Algolia-Secure-User-Token' };
    server = await startServerProcess(env);
    env.THREADGATE_URL = server.url;
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create prints the id and the secret once; list never shows a secret', () => {
    const created = run(['auth-keys', 'create', '--name', 'production', '--agents', 'support, sales']);
    assert.equal(created.status, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; secret: string; name: string; agents: string[]; created_at: string };
    assert.match(key.id, /^ak_[0-9a-z]{26}$/);
    assert.match(key.secret, /^sk-tg-[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(key.agents, ['support', 'sales']);
    assert.match(created.stderr, /shown only this once/);
    const listed = run(['auth-keys', 'list']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(key.secret));
    assert.ok(!listed.stdout.includes('secret'));
    const keys = JSON.parse(listed.stdout) as Array<{ id: string; name: string }>;
    assert.equal(keys.find((k) => k.id === key.id)?.name, 'production');
    assert.equal((JSON.parse(run(['auth-keys', 'create', '--name', 'all']).stdout) as { agents: unknown }).agents, 'all');
  });

  it('create --user-fields maps the tokens\' claims to user fields (mapUser); a bad mapping creates nothing', () => {
    const created = run(['auth-keys', 'create', '--name', 'mapped', '--user-fields', '{"name": "name", "org": "org_id"}']);
    assert.equal(created.status, 0, created.stderr);
    assert.deepEqual(JSON.parse(created.stdout).user_fields, { name: 'name', org: 'org_id' });
    const count = (JSON.parse(run(['auth-keys', 'list']).stdout) as unknown[]).length;
    const notJson = run(['auth-keys', 'create', '--name', 'bad', '--user-fields', '{name']);
    assert.notEqual(notJson.status, 0);
    assert.match(notJson.stderr, /--user-fields/);
    const reserved = run(['auth-keys', 'create', '--name', 'bad', '--user-fields', '{"id": "sub"}']);
    assert.notEqual(reserved.status, 0);
    assert.match(reserved.stderr, /user_fields/);
    assert.equal((JSON.parse(run(['auth-keys', 'list']).stdout) as unknown[]).length, count);
  });

  it('token sign prints a token that the running server accepts, and a ready curl line', async () => {
    const key = JSON.parse(run(['auth-keys', 'create', '--name', 'signing']).stdout) as { id: string; secret: string };
    const signed = run(['token', 'sign', '--key', key.id, '--sub', 'alice', '--workspace', 'org1_alice', '--ttl', '2h']);
    assert.equal(signed.status, 0, signed.stderr);
    const token = signed.stdout.trim();
    assert.equal(signed.stdout, `${token}\n`, 'stdout is the token alone');
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT', kid: key.id });
    const claims = decodeJwt(token);
    assert.equal(claims.exp! - claims.iat!, 7200);
    assert.equal(claims.workspace_id, 'org1_alice');
    assert.ok(!signed.stdout.includes(key.secret) && !signed.stderr.includes(key.secret), 'the secret is never printed');

    const curl = signed.stderr.split('\n').find((line) => line.startsWith('curl -H "Authorization: Bearer '));
    assert.equal(curl, `curl -H "Authorization: Bearer ${token}" ${server.url}/v1/me`);
    assert.ok(signed.stderr.includes(`curl -H "x-algolia-secure-user-token: ${token}" ${server.url}/v1/me`));

    const res = await me(token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user_id, 'alice');
    assert.equal(res.body.workspace_id, 'org1_alice');
    assert.equal(res.body.source, 'user_token');
    assert.equal(res.body.credential_id, key.id);
    const viaHeader = await me(token, 'X-Algolia-Secure-User-Token', token);
    assert.equal(viaHeader.status, 200, JSON.stringify(viaHeader.body));
  });

  it('defaults: a 24 h token whose workspace is the user; the curl URL falls back to 127.0.0.1:$PORT', () => {
    const key = JSON.parse(run(['auth-keys', 'create', '--name', 'defaults']).stdout) as { id: string };
    const signed = run(['token', 'sign', '--key', key.id, '--sub', 'bob'], { THREADGATE_URL: '', PORT: '9999' });
    assert.equal(signed.status, 0, signed.stderr);
    const claims = decodeJwt(signed.stdout.trim());
    assert.equal(claims.exp! - claims.iat!, 86_400);
    assert.equal(claims.workspace_id, undefined);
    assert.match(signed.stderr, /http:\/\/127\.0\.0\.1:9999\/v1\/me/);
    for (const [ttl, seconds] of [['45s', 45], ['10m', 600], ['3d', 259_200]] as const) {
      const out = run(['token', 'sign', '--key', key.id, '--sub', 'bob', '--ttl', ttl]);
      const c = decodeJwt(out.stdout.trim());
      assert.equal(c.exp! - c.iat!, seconds, ttl);
    }
  });

  it('delete revokes the key: the running server refuses its tokens at once; deleting again fails', async () => {
    const key = JSON.parse(run(['auth-keys', 'create', '--name', 'doomed']).stdout) as { id: string };
    const token = run(['token', 'sign', '--key', key.id, '--sub', 'carol']).stdout.trim();
    assert.equal((await me(token)).status, 200);
    const deleted = run(['auth-keys', 'delete', key.id]);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted ak_/);
    // The server polls the stored revocation epoch (THREADGATE_REVOCATION_POLL_MS, 1 s) for its cache.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const refused = await me(token);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'unknown_signing_key');
    const again = run(['auth-keys', 'delete', key.id]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no authentication key/);
    assert.equal(run(['token', 'sign', '--key', key.id, '--sub', 'carol']).status, 1);
  });

  it('update changes the agents and user fields (the running server applies them to the key\'s tokens), --clear-user-fields clears them; an unknown key fails', async () => {
    const key = JSON.parse(run(['auth-keys', 'create', '--name', 'changing', '--user-fields', '{"name": "name"}']).stdout) as { id: string; secret: string };
    const token = run(['token', 'sign', '--key', key.id, '--sub', 'dora']).stdout.trim();
    assert.equal((await me(token)).body.agents, 'all');
    const updated = run(['auth-keys', 'update', key.id, '--name', 'changed', '--agents', 'support, sales', '--user-fields', '{"org": "org_id"}']);
    assert.equal(updated.status, 0, updated.stderr);
    const shown = JSON.parse(updated.stdout) as Record<string, unknown>;
    assert.deepEqual([shown.name, shown.agents, shown.user_fields], ['changed', ['support', 'sales'], { org: 'org_id' }]);
    assert.ok(!updated.stdout.includes('secret') && !updated.stdout.includes(key.secret));
    // The server polls the stored revocation epoch (THREADGATE_REVOCATION_POLL_MS, 1 s) for its cache.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual((await me(token)).body.agents, ['support', 'sales']);
    const cleared = run(['auth-keys', 'update', key.id, '--clear-user-fields']);
    assert.equal(cleared.status, 0, cleared.stderr);
    assert.deepEqual(JSON.parse(cleared.stdout).user_fields, {});
    const bad = run(['auth-keys', 'update', key.id, '--user-fields', '{"id": "sub"}']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /user_fields/);
    const unknown = run(['auth-keys', 'update', 'ak_00000000000000000000000000', '--name', 'x']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no authentication key "ak_00000000000000000000000000"/);
  });

  it('refuses bad command lines with the usage text', () => {
    const cases: Array<[string[], RegExp]> = [
      [['auth-keys'], /expected create, list, update or delete/],
      [['auth-keys', 'rotate'], /expected create, list, update or delete/],
      [['auth-keys', 'update'], /one key id/],
      [['auth-keys', 'update', 'ak_x'], /nothing to change/],
      [['auth-keys', 'update', 'ak_x', '--user-fields', '{}', '--clear-user-fields'], /not both/],
      [['auth-keys', 'update', 'ak_x', '--user-fields', '{name'], /--user-fields/],
      [['auth-keys', 'create'], /needs --name/],
      [['auth-keys', 'delete'], /one key id/],
      [['auth-keys', 'list', 'x'], /no arguments/],
      [['token', 'sign', '--sub', 'a'], /needs --key/],
      [['token', 'sign', '--key', 'ak_x'], /needs --sub/],
      [['token', 'sign', '--key', 'ak_x', '--sub', 'a', '--ttl', '1w'], /--ttl/],
      [['token', 'sign', '--key', 'ak_x', '--sub', 'a', '--ttl', '0s'], /--ttl/],
      [['token', 'sign', '--key', 'ak_x', '--sub', ' a'], /--sub must be/],
      [['token', 'sign', '--key', 'ak_x', '--sub', 'a', '--workspace', ''], /--workspace must be/],
      [['token', 'frob'], /token sign/],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      assert.equal(result.status, 1, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
    const invalid = run(['auth-keys', 'create', '--name', 'x', '--agents', 'a,,b']);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /agents/);
    const unknown = run(['token', 'sign', '--key', 'ak_00000000000000000000000000', '--sub', 'a']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no authentication key "ak_00000000000000000000000000"/);
  });

  it('the usage text lists the new commands', () => {
    const help = run(['help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /auth-keys create --name <name> \[--agents all\|id,id\]/);
    assert.match(help.stdout, /token sign --key <id> --sub <user> \[--workspace <ws>\] \[--ttl 24h\]/);
  });
});
