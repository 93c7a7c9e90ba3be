/**
 * Runs wrk once (one thread, pinned to the load core) with the script from wrk-script.ts and
 * parses its `WRKJSON` line into a `RunResult`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadRequest, RunResult } from './load.js';
import { wrkScript } from './wrk-script.js';

export interface WrkOptions {
  url: string;
  requests: readonly LoadRequest[];
  durationSeconds: number;
  connections: number;
  /** `taskset -c 1` or nothing. */
  prefix: readonly string[];
}

/** Parses wrk's output; throws when the `WRKJSON` line is missing (wrk failed). */
export function parseWrkOutput(output: string): RunResult {
  const line = output.split('\n').find((candidate) => candidate.startsWith('WRKJSON '));
  if (line === undefined) throw new Error(`wrk printed no result:\n${output.slice(-2000)}`);
  const raw = JSON.parse(line.slice('WRKJSON '.length)) as {
    requests: number;
    duration_us: number;
    errors: RunResult['errors'];
    latency_us: { mean: number; max: number; p50: number; p90: number; p99: number; p999: number };
  };
  const ms = (us: number) => us / 1000;
  const durationSeconds = raw.duration_us / 1e6;
  return {
    requests: raw.requests,
    durationSeconds,
    rps: raw.requests / durationSeconds,
    latencyMs: {
      p50: ms(raw.latency_us.p50),
      p90: ms(raw.latency_us.p90),
      p99: ms(raw.latency_us.p99),
      p999: ms(raw.latency_us.p999),
      mean: ms(raw.latency_us.mean),
      max: ms(raw.latency_us.max),
    },
    errors: raw.errors,
  };
}

export async function runWrk(options: WrkOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-wrk-'));
  const script = join(dir, 'script.lua');
  writeFileSync(script, wrkScript(options.requests));
  const seconds = Math.max(1, Math.round(options.durationSeconds));
  const args = [...options.prefix, 'wrk', '-t1', `-c${options.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, options.url];
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}:\n${text}`))));
    });
    return parseWrkOutput(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
