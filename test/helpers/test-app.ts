/**
 * The real app over a real SQLite file in a temp folder, driven in-process with `app.request`
 * (hono's way). Tokens are minted with the server's own keyring.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { createServices } from '../../src/server.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { ALL_SCOPES, type Scope } from '../../src/auth/principal.js';
import type { AppDeps } from '../../src/http/context.js';
import type { Logger } from 'pino';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from './server-process.js';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  /**
   * A workspace token for this user and workspace (all scopes unless given), carrying the user's
   * current revocation mark as the server's own mints do.
   */
  tokenFor(userId: string, workspaceId: string, scopes?: readonly Scope[]): Promise<string>;
  /** JSON request helper: returns status, parsed body and headers. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The configuration every test server starts from: a SQLite file in `dir`, silent logs, the test
 * admin and master keys; `env` adds to it or overrides it.
 */
export function testConfig(dir: string, env: Record<string, string> = {}) {
  return resolveConfig({
    DATABASE_URL: join(dir, 'test.db'),
    LOG_LEVEL: 'silent',
    THREADGATE_ADMIN_KEY: TEST_ADMIN_KEY,
    THREADGATE_MASTER_KEY: TEST_MASTER_KEY,
    // In-process requests all come from one address ("unknown"): a whole test file's refused
    // credentials must not add up to the failed-authentication limit. Its own tests set it.
    THREADGATE_AUTH_FAILURES_PER_MINUTE: '100000',
    ...env,
  });
}

export async function createTestApp(env: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-test-'));
  const config = testConfig(dir, { THREADGATE_ANONYMOUS: 'true', ...env });
  const services = await createServices(config, { logger: options.logger ?? createLogger('silent') });
  const app = createApp(services.deps);
  return {
    app,
    deps: services.deps,
    async tokenFor(userId, workspaceId, scopes = ALL_SCOPES) {
      const minted = await mintWorkspaceToken(services.deps.keyring, config, {
        projectId: config.projectId,
        userId,
        workspaceId,
        scopes: new Set(scopes),
        agents: 'all',
        anonymous: false,
        credential: { source: 'workspace_token', id: 'test' },
        tokensValidAfter: (await services.deps.store.getUser(config.projectId, userId))?.tokensValidAfter ?? 0,
      });
      return minted.token;
    },
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await app.request(path, {
        method,
        headers,
        ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON (the /ui page)
      }
      return { status: res.status, body, headers: res.headers };
    },
    async close() {
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error contract's one helper lives in error-contract.ts; kept importable from here too. */
export { expectError } from './error-contract.js';
