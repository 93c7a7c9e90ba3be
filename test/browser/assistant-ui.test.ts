/**
 * What a new user sees: a minimal assistant-ui app (test/browser/app: Vite + React +
 * @assistant-ui/react, its local runtime with `cloud` set to an anonymous AssistantCloud, a
 * canned chat model, the thread list primitives) built with Vite, served on its own origin, and
 * driven in headless Chromium against a real Threadgate process (NODE_ENV=production, SQLite,
 * anonymous sessions, CORS for the app's origin). It sends two messages, reloads, switches
 * threads, attaches an image, archives and deletes, and checks what the user sees and what the
 * server stored: each reply once (no "2 / 2" branch picker after a reload), a thread title, the
 * history after the reload, the image uploaded and shown cross-origin, the archived thread out of
 * the active list, the deleted thread gone, and a clean browser console.
 *
 * Each step is its own test so a failure names the step; a failing step leaves a screenshot
 * (and the console so far) in test-output/browser/. Needs /usr/bin/chromium (test/helpers/chromium.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { AssistantCloud, CloudAPIError, type CloudMessage } from 'assistant-cloud';
import { chromiumPath, launchChromium, type Chromium } from '../helpers/chromium.js';
import { serveStatic, type StaticServer } from '../helpers/static-server.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUTPUT = join(HERE, '..', '..', 'test-output', 'browser');

const FIRST = 'Plan a weekend trip to Lisbon in spring';
const SECOND = 'Which museums open on Sunday?';
const OTHER = 'A question for another thread';
const reply = (text: string) => `Canned reply to: ${text}`;
const FALLBACK_TITLE = 'New chat';
const WITH_PICTURE = 'Here is a picture';
/** A 1×1 PNG. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Every string in a JSON value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

/** Reads `read()` until `done(value)` or the deadline, and returns the last value: the caller asserts on it. */
async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The text parts of a stored aui/v0 message, joined. */
function textOf(message: CloudMessage): string {
  const content = message.content as { content?: unknown };
  const parts = Array.isArray(content.content) ? (content.content as { type?: unknown; text?: unknown }[]) : [];
  return parts.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}
const roleOf = (message: CloudMessage) => (message.content as { role?: unknown }).role;

const executablePath = chromiumPath();

describe('an assistant-ui app in Chromium against Threadgate (anonymous session, SQLite)', { skip: executablePath === undefined, timeout: 120_000 }, () => {
  let dir: string;
  let app: StaticServer;
  let server: ServerProcess;
  let chromium: Chromium;
  let page: Page;
  let api: AssistantCloud;
  const consoleLines: string[] = [];
  const consoleErrors: string[] = [];
  let firstThread = '';
  let otherThread = '';
  let step = 0;

  /** One step of the scenario; a failure leaves a screenshot and the console so far. */
  function scenario(name: string, fn: () => Promise<void>) {
    const number = String(++step).padStart(2, '0');
    it(name, async () => {
      consoleLines.push(`--- step ${number}: ${name}`);
      try {
        await fn();
      } catch (error) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 60);
        await page?.screenshot({ path: join(OUTPUT, `${number}-${slug}.png`), fullPage: true }).catch(() => undefined);
        writeFileSync(join(OUTPUT, `${number}-console.log`), consoleLines.join('\n'));
        throw error;
      }
    });
  }

  const url = () => `${app.origin}/index.html?threadgate=${encodeURIComponent(server.url)}`;
  const item = (remoteId: string) => page.locator(`[data-testid=thread-item][data-remote-id="${remoteId}"]`);
  const assistantMessage = (text: string) => page.getByTestId('assistant-message').filter({ hasText: text });
  const idle = () => page.locator('[data-testid=status]', { hasText: 'idle' }).waitFor();

  async function send(text: string) {
    await page.getByTestId('composer-input').fill(text);
    await page.getByTestId('composer-send').click();
    await assistantMessage(reply(text)).waitFor();
    await idle();
  }

  /** Every message of a thread as the server stores it, read with an API key for the page's anonymous workspace. */
  async function storedMessages(threadId: string): Promise<CloudMessage[]> {
    return (await api.threads.messages.list(threadId, { limit: 200 })).messages;
  }

  before(async () => {
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    const appDir = join(OUTPUT, 'app');
    await build({
      root: join(HERE, 'app'),
      base: './',
      configFile: false,
      logLevel: 'error',
      build: { outDir: appDir, emptyOutDir: true, chunkSizeWarningLimit: 4096 },
    });
    app = await serveStatic(appDir);
    dir = mkdtempSync(join(tmpdir(), 'threadgate-browser-'));
    server = await startServerProcess({
      NODE_ENV: 'production',
      DATABASE_URL: join(dir, 'browser.db'),
      THREADGATE_ANONYMOUS: 'true',
      THREADGATE_CORS_ORIGINS: app.origin,
    });
    chromium = await launchChromium(executablePath!);
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      const line = `[${message.type()}] ${message.text()} ${message.location().url ?? ''}`.trim();
      consoleLines.push(line);
      if (message.type() === 'error') consoleErrors.push(line.split('\n')[0]!);
    });
    page.on('pageerror', (error) => {
      consoleLines.push(`[pageerror] ${error.message}`);
      consoleErrors.push(`[pageerror] ${error.message}`);
    });
    await page.goto(url());
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  scenario('sends two messages and shows each canned reply', async () => {
    await send(FIRST);
    await send(SECOND);
    firstThread = (await page.locator('[data-testid=active-threads] [data-testid=thread-item][data-active=true]').getAttribute('data-remote-id')) ?? '';
    assert.ok(firstThread, 'the thread got a remote id');
    const workspaceId = await page.evaluate(async (id) => {
      const cloud = (globalThis as unknown as { threadgateCloud: AssistantCloud }).threadgateCloud;
      return (await cloud.threads.get(id)).workspace_id;
    }, firstThread);
    assert.match(workspaceId, /^anon_/);
    const res = await fetch(`${server.url}/admin/v1/api-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'browser test reader' }),
    });
    assert.equal(res.status, 201);
    const { key } = (await res.json()) as { key: string };
    api = new AssistantCloud({ baseUrl: server.url, apiKey: key, userId: 'browser-test', workspaceId, telemetry: false });
  });

  scenario('stores each reply once, counted through the API', async () => {
    // Wait until the second reply is stored and no run is still open, then count.
    const messages = await settle(
      () => storedMessages(firstThread),
      (list) => list.some((m) => textOf(m) === reply(SECOND)) && list.every((m) => m.run === undefined || m.run.status === 'ended'),
    );
    const summary = messages.map((m) => `${String(roleOf(m))}: ${JSON.stringify(textOf(m))}`).join('\n  ');
    assert.equal(messages.length, 4, `two questions and two replies, each stored once; the server holds:\n  ${summary}`);
    const children = new Map<string | null, number>();
    for (const m of messages) children.set(m.parent_id, (children.get(m.parent_id) ?? 0) + 1);
    assert.ok([...children.values()].every((count) => count === 1), `one branch only; the server holds:\n  ${summary}`);
    assert.deepEqual(
      [...messages].reverse().map((m) => [roleOf(m), textOf(m)]),
      [['user', FIRST], ['assistant', reply(FIRST)], ['user', SECOND], ['assistant', reply(SECOND)]],
    );
  });

  scenario('titles the thread from the conversation', async () => {
    const title = item(firstThread).getByTestId('thread-trigger');
    await settle(() => title.innerText(), (text) => text.trim() !== FALLBACK_TITLE, 10_000);
    const shown = (await title.innerText()).trim();
    assert.notEqual(shown, FALLBACK_TITLE, 'the thread list shows a title, not the fallback');
    assert.ok(shown.length > 0 && FIRST.startsWith(shown), `without a model provider the title is the first message cut at a word boundary, got ${JSON.stringify(shown)}`);
    assert.equal((await api.threads.get(firstThread)).title, shown, 'the title is stored');
  });

  scenario('after a reload the history is still there, each reply shown once (no branch picker)', async () => {
    await page.reload();
    await item(firstThread).getByTestId('thread-trigger').click();
    await assistantMessage(reply(SECOND)).waitFor();
    await idle();
    const texts = await page.getByTestId('messages').locator('[data-testid$=-message]').allInnerTexts();
    const pickers = await page.getByTestId('branch-picker').allInnerTexts();
    assert.deepEqual(pickers, [], `no message has a branch picker; shown: ${JSON.stringify(pickers)} on ${JSON.stringify(texts)}`);
    assert.deepEqual(await page.getByTestId('user-message').allInnerTexts(), [FIRST, SECOND]);
    assert.deepEqual(await page.getByTestId('assistant-message').allInnerTexts(), [reply(FIRST), reply(SECOND)]);
  });

  scenario('switches between threads', async () => {
    await page.getByTestId('new-thread').click();
    await send(OTHER);
    otherThread = (await page.locator('[data-testid=active-threads] [data-testid=thread-item][data-active=true]').getAttribute('data-remote-id')) ?? '';
    assert.ok(otherThread && otherThread !== firstThread, 'the new thread has its own remote id');

    await item(firstThread).getByTestId('thread-trigger').click();
    await assistantMessage(reply(SECOND)).waitFor();
    assert.deepEqual(await page.getByTestId('user-message').allInnerTexts(), [FIRST, SECOND]);

    await item(otherThread).getByTestId('thread-trigger').click();
    await assistantMessage(reply(OTHER)).waitFor();
    assert.deepEqual(await page.getByTestId('user-message').allInnerTexts(), [OTHER]);
  });

  scenario('attaches an image: uploaded from the page to a presigned URL, shown from its publicUrl, stored with the message', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('add-attachment').click();
    await (await chooser).setFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: PIXEL });
    await page.locator('[data-testid=composer-attachment][data-status=requires-action]').waitFor();
    await send(WITH_PICTURE);
    const image = page.getByTestId('user-message').filter({ hasText: WITH_PICTURE }).getByTestId('attachment-image');
    await image.waitFor();
    const loaded = await settle(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), (width) => width > 0, 10_000);
    assert.equal(loaded, 1, 'the browser loads the image from Threadgate (cross-origin)');

    const withPicture = (m: CloudMessage) => roleOf(m) === 'user' && JSON.stringify(m.content).includes(WITH_PICTURE);
    const message = (await settle(() => storedMessages(otherThread), (list) => list.some(withPicture))).find(withPicture);
    assert.ok(message, 'the message with the picture is stored');
    const urls = stringsOf(message.content).filter((text) => text.startsWith(server.url));
    assert.equal(urls.length, 1, `the stored message holds the file's URL: ${JSON.stringify(message.content)}`);
    const download = await api.files.generatePresignedDownloadUrl({ url: urls[0]! });
    const file = await fetch(download.signedUrl);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), PIXEL, 'the bytes the page uploaded');
  });

  scenario('archives a thread: it leaves the active list, here and on the server', async () => {
    await page.locator(`[data-testid=active-threads] [data-remote-id="${firstThread}"]`).getByTestId('thread-archive').click();
    await page.locator(`[data-testid=archived-threads] [data-remote-id="${firstThread}"]`).waitFor();
    assert.equal((await api.threads.get(firstThread)).is_archived, true);

    const listedByDefault = (await api.threads.list({ limit: 100 })).threads.map((t) => t.id);
    assert.deepEqual(listedByDefault, [otherThread], 'without is_archived the server lists active threads only');
    assert.deepEqual((await api.threads.list({ is_archived: true })).threads.map((t) => t.id), [firstThread]);

    await page.reload();
    await page.locator(`[data-testid=archived-threads] [data-remote-id="${firstThread}"]`).waitFor();
    await item(otherThread).waitFor();
    assert.equal(await page.locator(`[data-testid=active-threads] [data-remote-id="${firstThread}"]`).count(), 0, 'the archived thread is not in the active list after a reload');
    assert.equal(await item(firstThread).count(), 1, 'the archived thread is listed once');
  });

  scenario('deletes a thread: gone from the list and from the server', async () => {
    await item(otherThread).getByTestId('thread-delete').click();
    await item(otherThread).waitFor({ state: 'detached' });
    await assert.rejects(api.threads.get(otherThread), (error: unknown) => error instanceof CloudAPIError && error.status === 404);
    await page.reload();
    await item(firstThread).waitFor();
    assert.equal(await item(otherThread).count(), 0, 'the deleted thread stays gone after a reload');
  });

  scenario('the browser console shows no errors', async () => {
    assert.equal(consoleErrors.length, 0, `console errors (first lines; the whole console is in test-output/browser/):\n${consoleErrors.join('\n')}`);
  });
});
