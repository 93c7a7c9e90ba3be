/**
 * CPU accounting from /proc, to tell a clean measurement from one disturbed by other work on the
 * machine: how busy the server was during a run (a saturated CPU-bound server is near 100% of its
 * core; much less means it waited, on its database or for its core), and how much CPU went to
 * processes outside the bench (other test suites, builds; for PostgreSQL setups, PostgreSQL
 * itself). Linux only; elsewhere every reading is null.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds used by `pid` (utime + stime), plus its waited-for children's when `children`. */
export function processCpuSeconds(pid: number | 'self', children = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime is field 14 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** CPU seconds every core has spent busy since boot (all of /proc/stat's first line but idle and iowait). */
export function systemBusySeconds(): number | null {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = values.map(Number) as number[];
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  at: number;
  servers: number | null;
  self: number | null;
  system: number | null;
}

export function snapshot(serverPids: readonly number[]): CpuSnapshot {
  let servers: number | null = 0;
  for (const pid of serverPids) {
    const seconds = processCpuSeconds(pid);
    servers = seconds === null || servers === null ? null : servers + seconds;
  }
  return { at: performance.now(), servers, self: processCpuSeconds('self', true), system: systemBusySeconds() };
}

/**
 * Between two snapshots, in percent of one core: the bench's servers, and everything else that is
 * neither a server nor this runner and its finished children (wrk).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): { serverPercent: number | null; othersPercent: number | null } {
  const wall = (after.at - before.at) / 1000;
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const servers = delta(before.servers, after.servers);
  const self = delta(before.self, after.self);
  const system = delta(before.system, after.system);
  const percent = (seconds: number | null) => (seconds === null || wall <= 0 ? null : Math.round((seconds / wall) * 1000) / 10);
  return {
    serverPercent: percent(servers),
    othersPercent: system === null || servers === null || self === null ? null : percent(Math.max(0, system - servers - self)),
  };
}
