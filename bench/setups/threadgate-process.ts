/**
 * Starts Threadgate (bench/servers/threadgate.ts) for one setup, with the bench's environment and
 * a database: by default a new, empty SQLite file in the run's temp folder.
 */
import { join } from 'node:path';
import type { RunningChild } from '../child.js';
import { THREADGATE_BENCH_ENV, type Call } from '../threadgate-credentials.js';
import type { SetupContext } from './types.js';

export interface RunningThreadgate {
  child: RunningChild;
  call: Call;
}

export async function startThreadgate(ctx: SetupContext, name: string, options: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<RunningThreadgate> {
  const databaseUrl = options.databaseUrl ?? join(ctx.tmpDir, `${name}.db`);
  const child = await ctx.startServer('threadgate', { ...THREADGATE_BENCH_ENV, DATABASE_URL: databaseUrl, ...options.env });
  return { child, call: (path, init) => fetch(`${child.url}${path}`, init) };
}

/** Stops the server, then rethrows: a failed provisioning must not leave a server on core 0. */
export async function stopOnFailure<T>(running: RunningThreadgate, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    await running.child.stop();
    throw error;
  }
}
