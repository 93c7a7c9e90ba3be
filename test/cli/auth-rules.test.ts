/**
 * `threadgate auth-rules create|list|update|delete` as a user runs them (the built
 * dist/cli/main.js), against a real server process and a real OIDC provider: a rule made on the
 * command line accepts the provider's tokens on the running server (after warm-up at its start for
 * rules that exist then), disabling and deleting it refuses them (within the server's revocation
 * poll interval, as for every revocation made by another process without Redis), and bad input is
 * refused with the field named.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess, TEST_MASTER_KEY, type ServerProcess } from '../helpers/server-process.js';
import { AUDIENCE, CLIENT_ID, startTestIdp, type TestIdp } from '../helpers/oidc-provider.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('threadgate auth-rules', () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let idp: TestIdp;
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  /** GET /v1/me on a fresh connection (spawnSync blocks this event loop; see auth-keys.test.ts). */
  const me = (token: string) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpGet(`${server!.url}/v1/me`, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-cli-auth-rules-'));
    env = { DATABASE_URL: join(dir, 'cli.db'), THREADGATE_MASTER_KEY: TEST_MASTER_KEY };
    idp = await startTestIdp();
  });
  after(async () => {
    await server?.stop();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let ruleId: string;

  it('create prints the rule with its defaults filled; list shows it', () => {
    const created = run(['auth-rules', 'create', '--name', 'test idp', '--issuer', idp.issuer, '--audience', AUDIENCE, '--workspace-template', '{org_id}_{sub}', '--scopes-claim', 'scope']);
    assert.equal(created.status, 0, created.stderr);
    const rule = JSON.parse(created.stdout) as Record<string, unknown>;
    assert.match(String(rule.id), /^ar_[0-9a-z]{26}$/);
    assert.equal(rule.discovery_url, idp.discoveryUrl);
    assert.equal(rule.token_type, 'access');
    ruleId = String(rule.id);
    const listed = run(['auth-rules', 'list']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id), [ruleId]);
  });

  it('the running server accepts the provider\'s tokens under that rule', async () => {
    server = await startServerProcess(env);
    const res = await me(await idp.accessToken({ scope: 'threads:read' }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.source, 'auth_rule');
    assert.equal(res.body.credential_id, ruleId);
    assert.equal(res.body.workspace_id, `org_acme_${CLIENT_ID}`);
  });

  it('update --disable refuses its tokens, --enable brings them back (each within the poll interval); --reset restores a default', async () => {
    const disabled = run(['auth-rules', 'update', ruleId, '--disable']);
    assert.equal(disabled.status, 0, disabled.stderr);
    assert.equal(JSON.parse(disabled.stdout).enabled, false);
    // The server polls the stored revocation epoch (THREADGATE_REVOCATION_POLL_MS, 1 s) for its
    // caches, which hold the issuer's rules (docs/route-policy.md, revocation timing).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const refused = await me(await idp.accessToken());
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'unknown_issuer');
    const enabled = run(['auth-rules', 'update', ruleId, '--enable', '--reset', 'workspace-template,scopes_claim']);
    assert.equal(enabled.status, 0, enabled.stderr);
    const rule = JSON.parse(enabled.stdout) as Record<string, unknown>;
    assert.equal(rule.workspace_template, null);
    assert.equal(rule.scopes_claim, null);
    // The server remembered the issuer as unknown (a forged issuer costs one query, not one per
    // request); the CLI's change reaches it through the same poll.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const res = await me(await idp.accessToken());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.workspace_id, CLIENT_ID);
  });

  it('refuses bad input with the field named, and unknown ids', () => {
    const hs = run(['auth-rules', 'create', '--name', 'x', '--issuer', 'https://idp.example.com', '--audience', 'a', '--algorithms', 'HS256']);
    assert.equal(hs.status, 1);
    assert.match(hs.stderr, /algorithms: HS256 is never accepted/);
    const missing = run(['auth-rules', 'create', '--name', 'x', '--issuer', 'https://idp.example.com']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /needs --audience/);
    const claims = run(['auth-rules', 'create', '--name', 'x', '--issuer', 'https://idp.example.com', '--audience', 'a', '--required-claims', '{bad']);
    assert.equal(claims.status, 1);
    assert.match(claims.stderr, /--required-claims must be a JSON object/);
    assert.equal(run(['auth-rules', 'update', 'ar_missing', '--disable']).status, 1);
    assert.equal(run(['auth-rules', 'delete', 'ar_missing']).status, 1);
    assert.equal(run(['auth-rules', 'frobnicate']).status, 1);
  });

  it('delete refuses its tokens from then on', async () => {
    const deleted = run(['auth-rules', 'delete', ruleId]);
    assert.equal(deleted.status, 0, deleted.stderr);
    // As above: within the poll interval.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const res = await me(await idp.accessToken());
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'unknown_issuer');
    assert.deepEqual(JSON.parse(run(['auth-rules', 'list']).stdout), []);
  });
});
