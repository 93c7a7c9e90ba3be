/**
 * The real server (`startServer`, @hono/node-server) on 127.0.0.1 and a free port, over a SQLite
 * file in a temp folder, with a workspace token for u1/w1: for tests that need what only a real
 * listener does (raw headers, plain-object responses, body reading).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server.js';
import { createLogger } from '../../src/logger.js';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../src/auth/principal.js';
import { testConfig } from './test-app.js';

export interface ListeningServer {
  url: string;
  port: number;
  server: RunningServer;
  /** A workspace token for user u1 in workspace w1, all scopes. */
  token: string;
  stop(): Promise<void>;
}

export async function startListeningServer(env: Record<string, string> = {}): Promise<ListeningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-listening-'));
  const config = testConfig(dir, { PORT: '0', HOST: '127.0.0.1', ...env });
  const server = await startServer(config, { logger: createLogger('silent') });
  const { token } = await mintWorkspaceToken(server.deps.keyring, config, {
    projectId: config.projectId, userId: 'u1', workspaceId: 'w1', scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false,
    credential: { source: 'workspace_token', id: 'test' },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    server,
    token,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
