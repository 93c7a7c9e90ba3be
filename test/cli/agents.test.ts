/**
 * `threadgate providers ...` and `threadgate agents ...` as a user runs them (the built
 * dist/cli/main.js): the provider key comes from a named environment variable, is sealed and never
 * printed; the agent the CLI made runs on a server over the same database; bad input changes
 * nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from '../helpers/server-process.js';
import { startOpenAiPeer, type OpenAiPeer } from '../helpers/openai-peer.js';
import { testConfig } from '../helpers/test-app.js';
import { createServices } from '../../src/server.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../src/auth/principal.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const KEY = 'sk-cli-secret-key-abcdef123456';

describe('threadgate providers and agents', () => {
  let dir: string;
  let peer: OpenAiPeer;
  let env: Record<string, string>;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env, ...extra }, encoding: 'utf8' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadgate-cli-agents-'));
    peer = await startOpenAiPeer();
    env = { DATABASE_URL: join(dir, 'test.db'), THREADGATE_MASTER_KEY: TEST_MASTER_KEY, THREADGATE_ADMIN_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a provider with its key from the environment, never printing it; refuses bad input', () => {
    const added = run(['providers', 'add', 'peer', '--base-url', peer.baseUrl, '--models', 'echo,title', '--api-key-env', 'PEER_KEY'], { PEER_KEY: KEY });
    assert.equal(added.status, 0, added.stderr);
    assert.ok(!added.stdout.includes(KEY) && !added.stderr.includes(KEY));
    assert.equal(JSON.parse(added.stdout).api_key, `…${KEY.slice(-4)}`);
    const unset = run(['providers', 'add', 'other', '--base-url', peer.baseUrl, '--models', 'echo', '--api-key-env', 'NOT_SET']);
    assert.notEqual(unset.status, 0);
    assert.match(unset.stderr, /NOT_SET/);
    const badUrl = run(['providers', 'add', 'other', '--base-url', 'ftp://x', '--models', 'echo']);
    assert.notEqual(badUrl.status, 0);
    assert.equal(JSON.parse(run(['providers', 'list']).stdout).length, 1, 'nothing was added');
  });

  it('creates, disables, enables and lists agents; an unknown model is refused', () => {
    const created = run(['agents', 'create', 'helper', '--name', 'Helper', '--provider', 'peer', '--model', 'echo', '--instructions', 'Help {user.id}.', '--temperature', '0.5']);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).temperature, 0.5);
    const wrongModel = run(['agents', 'create', 'other', '--name', 'Other', '--provider', 'peer', '--model', 'gpt-9']);
    assert.notEqual(wrongModel.status, 0);
    assert.match(wrongModel.stderr, /model/);
    assert.equal(run(['agents', 'disable', 'helper']).status, 0);
    assert.equal(JSON.parse(run(['agents', 'list']).stdout)[0].enabled, false);
    assert.equal(run(['agents', 'enable', 'helper']).status, 0);
    const listed = JSON.parse(run(['agents', 'list']).stdout);
    assert.deepEqual(listed.map((a: any) => [a.id, a.enabled]), [['helper', true]]);
    assert.notEqual(run(['providers', 'remove', 'peer']).status, 0, 'a provider in use stays');
  });

  it('the agent the CLI made runs on a server over the same database, with the sealed key', async () => {
    const config = testConfig(dir);
    const services = await createServices(config, { logger: createLogger('silent') });
    try {
      const app = createApp(services.deps);
      const { token } = await mintWorkspaceToken(services.deps.keyring, config, {
        projectId: config.projectId, userId: 'u1', workspaceId: 'w1', scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false, credential: { source: 'workspace_token', id: 'test' },
      });
      const res = await app.request('/v1/agents/helper/text', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ input: 'hi' }) });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(((await res.json()) as { text: string }).text, 'You said: hi');
      assert.equal(peer.requests.at(-1)!.authorization, `Bearer ${KEY}`);
    } finally {
      await services.close();
    }
    const runs = JSON.parse(run(['agents', 'runs']).stdout);
    assert.equal(runs[0].agent_id, 'helper');
    assert.equal(run(['agents', 'delete', 'helper']).status, 0);
    assert.equal(run(['providers', 'remove', 'peer']).status, 0);
  });

  it('audits every change as the admin API does (model_provider.* and agent.*), with the actor cli, never the provider key', () => {
    const audit = run(['audit', '--actor', 'cli', '--limit', '100']);
    assert.equal(audit.status, 0, audit.stderr);
    const events = (JSON.parse(audit.stdout).events as any[]).filter((e) => e.kind.startsWith('model_provider.') || e.kind.startsWith('agent.')).reverse();
    // What the tests above changed, oldest first: refused commands changed nothing and left no event.
    assert.deepEqual(events.map((e) => [e.kind, e.object?.id]), [
      ['model_provider.created', 'peer'],
      ['agent.created', 'helper'],
      ['agent.updated', 'helper'],
      ['agent.updated', 'helper'],
      ['agent.deleted', 'helper'],
      ['model_provider.deleted', 'peer'],
    ]);
    for (const event of events) assert.equal(event.actor.kind, 'cli');
    assert.equal(events[2].detail.after.enabled, false, 'disable is an update to enabled: false');
    assert.equal(events[3].detail.after.enabled, true);
    assert.ok(!audit.stdout.includes(KEY) && !audit.stdout.includes(`…${KEY.slice(-4)}`), 'neither the key nor its hint is audited');
  });

  it('audits a provider update', () => {
    assert.equal(run(['providers', 'add', 'p2', '--base-url', peer.baseUrl, '--models', 'echo']).status, 0);
    assert.equal(run(['providers', 'update', 'p2', '--models', 'echo,title', '--api-key-env', 'PEER_KEY'], { PEER_KEY: KEY }).status, 0);
    const audit = run(['audit', '--kind', 'model_provider.updated']);
    const [event] = JSON.parse(audit.stdout).events as any[];
    assert.equal(event.actor.kind, 'cli');
    assert.deepEqual(event.detail.after.models, ['echo', 'title']);
    assert.ok(!audit.stdout.includes(KEY.slice(-4)));
  });
});
