/**
 * Starts one bench server as its own process (`node --import tsx bench/servers/<name>.ts`), pinned
 * to the server core, and waits for its `BENCH_LISTENING <url>` line. The environment is a clean
 * one (PATH, the temp dir, NODE_ENV=production and what the setup passes), so nothing from the
 * shell changes what is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { LISTENING_PREFIX } from './servers/listening.js';

export const SERVERS_DIR = join(import.meta.dirname, 'servers');
export const REPO_ROOT = join(import.meta.dirname, '..');

export interface RunningChild {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startChild(
  server: string,
  env: Record<string, string>,
  prefix: readonly string[],
  options: { nodeArgs?: readonly string[]; timeoutMs?: number } = {},
): Promise<RunningChild> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const command = [...prefix, process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', join(SERVERS_DIR, `${server}.ts`)];
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: process.env.TMPDIR ?? tmpdir(), NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server} did not listen within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = () => {
      const line = output.split('\n').find((candidate) => candidate.startsWith(LISTENING_PREFIX));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(line.slice(LISTENING_PREFIX.length).trim());
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${server} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
