/**
 * The fallback load generator, used only when wrk cannot be installed: autocannon's CLI through
 * npx, with JSON output. It sends the setup's first request only (its CLI has no request
 * rotation), which the results record.
 */
import { spawn } from 'node:child_process';
import type { LoadRequest, RunResult } from './load.js';
import type { WrkOptions } from './wrk.js';

export async function runAutocannon(options: WrkOptions): Promise<RunResult> {
  const request: LoadRequest = options.requests[0]!;
  const args = [
    ...options.prefix, 'npx', '--yes', 'autocannon@8', '-j', '-c', String(options.connections), '-d', String(Math.max(1, Math.round(options.durationSeconds))),
    '-m', request.method,
    ...Object.entries(request.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
    ...(request.body !== undefined ? ['-b', request.body] : []),
    new URL(request.path, options.url).toString(),
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`autocannon exited with ${code}`))));
  });
  const raw = JSON.parse(output.slice(output.indexOf('{'))) as {
    duration: number;
    requests: { total: number };
    latency: { p50: number; p90: number; p99: number; p99_9?: number; average: number; max: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  return {
    requests: raw.requests.total,
    durationSeconds: raw.duration,
    rps: raw.requests.total / raw.duration,
    latencyMs: { p50: raw.latency.p50, p90: raw.latency.p90, p99: raw.latency.p99, p999: raw.latency.p99_9 ?? raw.latency.max, mean: raw.latency.average, max: raw.latency.max },
    errors: { connect: raw.errors, read: 0, write: 0, timeout: raw.timeouts, status: raw.non2xx },
  };
}
