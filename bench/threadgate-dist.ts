/**
 * Threadgate as it ships: the compiled `dist/` (`npm run bench` and `npm run bench:micro` build it
 * first), typed by `src/`. Running `src/` through tsx would measure tsx's transform too (its
 * keep-names helper runs on every closure a request creates), not the code users run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIST = new URL('../dist/', import.meta.url);

async function load<T>(path: string): Promise<T> {
  const url = new URL(path, DIST);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` first (npm run bench does)`);
  return (await import(url.href)) as T;
}

export const { resolveConfig } = await load<typeof import('../src/config.js')>('config.js');
export const { createServices, startServer } = await load<typeof import('../src/server.js')>('server.js');
export const { createApp } = await load<typeof import('../src/http/app.js')>('http/app.js');
export const { createLogger } = await load<typeof import('../src/logger.js')>('logger.js');
export const { createAuthenticator } = await load<typeof import('../src/auth/authenticate.js')>('auth/authenticate.js');
export const { authLookupsOf } = await load<typeof import('../src/auth/credential-records.js')>('auth/credential-records.js');
export const { mintWorkspaceToken } = await load<typeof import('../src/auth/workspace-token.js')>('auth/workspace-token.js');
export const { parseJwsClaims } = await load<typeof import('../src/auth/jwt-strict.js')>('auth/jwt-strict.js');
