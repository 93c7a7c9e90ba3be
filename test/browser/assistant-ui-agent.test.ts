/**
 * An assistant-ui app whose model calls go to a Threadgate agent (issue 14): the app of
 * test/browser/app with `?agent=helper`, its local runtime with `cloud` set to an anonymous
 * AssistantCloud, and as the chat model the AI SDK chat transport that
 * `cloud.runs.__internal_getAssistantOptions` configures (POST /v1/runs/stream, the UI message
 * stream). Threadgate (a real process) runs the agent on the test peer (test/helpers/openai-peer.ts)
 * and names the thread with the title model. Checks what the user sees and what was stored: the
 * reply, the messages stored once (by the app's cloud persistence, not by the run), the title from
 * the model, one model call, and a clean console. Needs /usr/bin/chromium (test/helpers/chromium.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { AssistantCloud, type CloudMessage } from 'assistant-cloud';
import { chromiumPath, launchChromium, type Chromium } from '../helpers/chromium.js';
import { serveStatic, type StaticServer } from '../helpers/static-server.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';
import { startOpenAiPeer, type OpenAiPeer } from '../helpers/openai-peer.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUTPUT = join(HERE, '..', '..', 'test-output', 'browser-agent');
const QUESTION = 'Plan a weekend trip to Lisbon';
const executablePath = chromiumPath();

describe('an assistant-ui app whose model is a Threadgate agent (Chromium, anonymous session)', { skip: executablePath === undefined, timeout: 120_000 }, () => {
  let dir: string;
  let app: StaticServer;
  let server: ServerProcess;
  let peer: OpenAiPeer;
  let chromium: Chromium;
  let page: Page;
  let threadId = '';
  const consoleLines: string[] = [];
  const consoleErrors: string[] = [];

  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    return JSON.parse(text) as any;
  };

  before(async () => {
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    const appDir = join(OUTPUT, 'app');
    await build({ root: join(HERE, 'app'), base: './', configFile: false, logLevel: 'error', build: { outDir: appDir, emptyOutDir: true, chunkSizeWarningLimit: 8192 } });
    app = await serveStatic(appDir);
    peer = await startOpenAiPeer();
    dir = mkdtempSync(join(tmpdir(), 'threadgate-browser-agent-'));
    server = await startServerProcess({
      NODE_ENV: 'production',
      DATABASE_URL: join(dir, 'browser.db'),
      THREADGATE_ANONYMOUS: 'true',
      THREADGATE_CORS_ORIGINS: app.origin,
      THREADGATE_TITLE_MODEL: 'peer/title',
    });
    await admin('/admin/v1/providers', { id: 'peer', base_url: peer.baseUrl, models: ['echo', 'title'] });
    await admin('/admin/v1/agents', { id: 'helper', name: 'Helper', provider_id: 'peer', model: 'echo', instructions: 'You plan trips for {user.id}.' });
    chromium = await launchChromium(executablePath!);
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      const line = `[${message.type()}] ${message.text()}`;
      consoleLines.push(line);
      if (message.type() === 'error') consoleErrors.push(line.split('\n')[0]!);
    });
    page.on('pageerror', (error) => consoleErrors.push(`[pageerror] ${error.message}`));
    await page.goto(`${app.origin}/index.html?threadgate=${encodeURIComponent(server.url)}&agent=helper`);
  });

  after(async () => {
    if (consoleLines.length > 0) writeFileSync(join(OUTPUT, 'console.log'), consoleLines.join('\n'));
    await chromium?.close();
    await server?.stop();
    await app?.stop();
    await peer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the agent\'s streamed reply, stores each message once, and titles the thread with the model', async () => {
    try {
      await page.getByTestId('composer-input').fill(QUESTION);
      await page.getByTestId('composer-send').click();
      await page.getByTestId('assistant-message').filter({ hasText: `You said: ${QUESTION}` }).waitFor();
      await page.locator('[data-testid=status]', { hasText: 'idle' }).waitFor();
      threadId = (await page.locator('[data-testid=active-threads] [data-testid=thread-item][data-active=true]').getAttribute('data-remote-id')) ?? '';
      assert.ok(threadId, 'the thread got a remote id');
      await page.locator('[data-testid=active-threads] [data-testid=thread-item]', { hasText: 'Trip to Lisbon' }).waitFor();

      // What the server stored, read with an API key for the page's anonymous workspace.
      const workspaceId = await page.evaluate(async (id) => (await (globalThis as unknown as { threadgateCloud: AssistantCloud }).threadgateCloud.threads.get(id)).workspace_id, threadId);
      const { key } = await admin('/admin/v1/api-keys', { name: 'browser agent reader' });
      const api = new AssistantCloud({ baseUrl: server.url, apiKey: key, userId: 'reader', workspaceId, telemetry: false });
      let messages: CloudMessage[] = [];
      for (let i = 0; i < 50; i++) {
        messages = (await api.threads.messages.list(threadId)).messages;
        if (messages.length >= 2 && JSON.stringify(messages).includes('You said')) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const texts = messages.map((m) => JSON.stringify(m.content));
      assert.equal(messages.length, 2, `the question and the reply, each once: ${texts.join(' | ')}`);
      assert.equal(texts.filter((t) => t.includes(`You said: ${QUESTION}`)).length, 1);
      assert.equal((await api.threads.get(threadId)).title, 'Trip to Lisbon');

      const chats = peer.requests.filter((r) => r.body?.model === 'echo');
      assert.equal(chats.length, 1, 'one model call for one message');
      assert.match(chats[0]!.body.messages[0].content, /^You plan trips for anon_/);
      assert.equal(chats[0]!.body.messages.at(-1).content, QUESTION);
      assert.deepEqual(consoleErrors, []);
    } catch (error) {
      await page?.screenshot({ path: join(OUTPUT, 'failure.png'), fullPage: true }).catch(() => undefined);
      throw error;
    }
  });
});
