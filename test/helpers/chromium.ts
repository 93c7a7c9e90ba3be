/**
 * Headless Chromium for browser tests: Debian's `chromium` package (/usr/bin/chromium, or
 * THREADGATE_TEST_CHROMIUM) driven through playwright-core, never a browser downloaded by
 * `npx playwright install`. Without the binary a browser suite is skipped with a loud message
 * on a laptop, and fails under CI=true (`.ci/run` installs the package), as services.ts does.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';

/** The Chromium binary, or undefined (after registering a failing test under CI=true) when it is missing. */
export function chromiumPath(): string | undefined {
  const path = process.env.THREADGATE_TEST_CHROMIUM || '/usr/bin/chromium';
  if (existsSync(path)) return path;
  if (process.env.CI === 'true') {
    test('chromium is required under CI=true', () => {
      throw new Error(`${path} is missing, and CI=true: install Debian's chromium package (apt-get install -y chromium; .ci/run does)`);
    });
  } else {
    console.warn(`\n*** ${path} is missing: SKIPPING the browser tests (apt-get install -y chromium) ***\n`);
  }
  return undefined;
}

export interface Chromium {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh profile, no network of its own (no sync, updates, QUIC). */
export async function launchChromium(executablePath: string): Promise<Chromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'threadgate-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
