/**
 * The machine's tools: wrk (installed from Debian's packages when missing, as the issue asks) and
 * taskset, which pins each server to core 0 and the load generator to core 1.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure wrk is installed: `apt-get install -y wrk` (after `apt-get update` if the first try
 * fails). Returns false when it cannot be had (no apt-get, not root, no network), and the runner
 * falls back to autocannon.
 */
export function ensureWrk(log: (line: string) => void): boolean {
  if (has('wrk')) return true;
  if (!has('apt-get')) return false;
  log('wrk is missing: apt-get install -y wrk ...');
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (install()) return has('wrk');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  return install() && has('wrk');
}

export interface Pinning {
  /** Prefix for a server command: `taskset -c 0`, or nothing. */
  server: string[];
  /** Prefix for the load generator: `taskset -c 1`, or nothing. */
  load: string[];
  /** The core list of the load side, for pinning this process itself (`1`), or null. */
  loadCpus: string | null;
  description: string;
}

/** Server on core 0, load on core 1, when taskset exists and there are two cores or more. */
export function pinning(): Pinning {
  const cores = availableParallelism();
  if (cores >= 2 && has('taskset')) {
    return { server: ['taskset', '-c', '0'], load: ['taskset', '-c', '1'], loadCpus: '1', description: 'server on core 0, wrk (and this runner, and the JWKS server) on core 1 (taskset)' };
  }
  return { server: [], load: [], loadCpus: null, description: cores < 2 ? 'not pinned (one core)' : 'not pinned (no taskset)' };
}

/** Pins this process (all its threads) to the load side's cores, so it never competes with a server. */
export function pinSelf(pin: Pinning): void {
  if (pin.loadCpus !== null) spawnSync('taskset', ['-a', '-p', '-c', pin.loadCpus, String(process.pid)], { stdio: 'ignore' });
}
