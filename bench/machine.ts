/** What the results were measured on: cores, CPU model, memory, Node, kernel, load generator. */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { spawnSync } from 'node:child_process';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  wrk: string | null;
  postgres: string | null;
}

function firstLine(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0 && result.stdout === '') return null;
  return `${result.stdout}${result.stderr}`.split('\n')[0]!.trim() || null;
}

export function describeMachine(): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    // not Linux
  }
  return {
    cores: cpus().length,
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    wrk: firstLine('wrk', ['--version']),
    postgres: firstLine('psql', ['--version']),
  };
}
