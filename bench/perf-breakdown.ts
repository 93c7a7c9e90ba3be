/**
 * Where a server's CPU goes per request, read with Linux `perf` (`npm run bench -- --perf`).
 *
 * A V8 profile (`--cpu-prof`) sees JavaScript only: the kernel's share of a request (the socket
 * reads and writes, waking the load generator) and Node's own C++ (the HTTP parser, V8's builtins,
 * JSON, the garbage collector) show up in it as "(idle)" or "(program)", yet on a small request
 * they are most of its cost. `perf record -e cpu-clock` samples all of it: each server runs with
 * `--perf-basic-prof` (so JIT-compiled functions have names), and every measured run is recorded
 * with call graphs, so a kernel function's time can be counted with what it called.
 *
 * The areas, in µs of server CPU per request (the samples' CPU time over the run's requests):
 * - kernel, of which **waking the reader**: `sock_def_readable` and what it calls. On loopback the
 *   server's write delivers the response to the load generator's socket in the same system call
 *   and wakes that process, on the other core: an inter-processor interrupt, which a virtual
 *   machine makes expensive. The slower the server, the more often the load generator is asleep
 *   when a response arrives, so this cost grows with the server's own (docs/benchmarks.md). Over a
 *   real network the server pays none of it;
 * - Node and V8 native code (the `node` binary: builtins, inline caches, JSON, strings, llhttp, GC);
 * - JavaScript (JIT-compiled functions and regular expressions);
 * - the rest (libc, the vDSO, other libraries).
 *
 * Recording costs the server some CPU of its own (the sampling interrupts, 4,000 a second), so the
 * ratios of a `--perf` run are not the ones to quote: run without it for those.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Samples per second of CPU time. */
export const PERF_FREQUENCY = 4000;

/** Why `perf` cannot record here, or `undefined` when it can. */
export function perfUnavailable(): string | undefined {
  const probe = spawnSync('perf', ['record', '-e', 'cpu-clock', '-o', '/dev/null', '-q', '--', 'true'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `perf not found (${probe.error.message}); on Debian: apt-get install linux-perf`;
  if (probe.status !== 0) return `perf cannot record here: ${(probe.stderr || probe.stdout).trim().split('\n')[0]}`;
  return undefined;
}

export interface PerfRecording {
  /** Stops recording; resolves once the data file is complete. */
  stop(): Promise<void>;
}

/**
 * Records `pids` (the setup's servers) into `file` until `stop()`. `prefix` pins `perf` itself to
 * the load generator's core (`taskset -c 1`), so it takes nothing from the server's.
 *
 * @example
 * const recording = startPerfRecording([server.pid], '/tmp/run-1.data', ['taskset', '-c', '1'])
 * await load(...)
 * await recording.stop()
 */
export function startPerfRecording(pids: readonly number[], file: string, prefix: readonly string[] = []): PerfRecording {
  const command = [...prefix, 'perf', 'record', '-e', 'cpu-clock', '-F', String(PERF_FREQUENCY), '-g', '-q', '-p', pids.join(','), '-o', file];
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    async stop() {
      child.kill('SIGINT');
      const code = await exited;
      if (code !== 0 && code !== null) throw new Error(`perf record exited with ${code}: ${stderr.trim()}`);
    },
  };
}

/** µs of server CPU per request, by area (see the file comment). */
export interface PerfAreas {
  total: number;
  kernel: number;
  /** Part of `kernel`: `sock_def_readable` and its callees. */
  wakingReader: number;
  native: number;
  javascript: number;
  other: number;
}

export interface PerfBreakdown {
  perRequestUs: PerfAreas;
  /** The symbols with the most self time, as text lines (µs per request, area, symbol). */
  hottest: string[];
}

interface SymbolRow {
  /** Percent of all samples. */
  children: number;
  self: number;
  dso: string;
  kernel: boolean;
  symbol: string;
}

/** `perf report --children` rows: `children% self% dso [k|.] symbol`. */
function readRows(file: string): { rows: SymbolRow[]; totalNs: number } {
  const report = spawnSync('perf', ['report', '-i', file, '--stdio', '--children', '-g', 'none', '--sort', 'dso,sym', '--percent-limit', '0'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (report.status !== 0) throw new Error(`perf report ${file}: ${report.stderr.trim().split('\n')[0]}`);
  // "# Event count (approx.): 7793750000": the samples' CPU time in ns (cpu-clock counts ns).
  const count = /Event count \(approx\.\): (\d+)/.exec(report.stdout);
  const rows: SymbolRow[] = [];
  for (const line of report.stdout.split('\n')) {
    const match = /^\s+([\d.]+)%\s+([\d.]+)%\s+(.+?)\s+\[([k.])\]\s+(.*)$/.exec(line);
    if (match === null) continue;
    rows.push({ children: Number(match[1]), self: Number(match[2]), dso: match[3]!, kernel: match[4] === 'k', symbol: match[5]!.trim() });
  }
  return { rows, totalNs: count === null ? 0 : Number(count[1]) };
}

function areaOf(row: SymbolRow): 'kernel' | 'native' | 'javascript' | 'other' {
  if (row.kernel) return 'kernel';
  if (row.dso.startsWith('[JIT]') || /^perf-\d+\.map$/.test(row.dso)) return 'javascript';
  if (row.dso === 'node') return 'native';
  return 'other';
}

/**
 * Sums the recordings of one setup's measured runs, per request.
 *
 * @param requests the requests the load generator completed during those runs
 */
export function summarizePerf(files: readonly string[], requests: number, top = 15): PerfBreakdown {
  const areasNs = { kernel: 0, wakingReader: 0, native: 0, javascript: 0, other: 0 };
  const selfNs = new Map<string, number>();
  let totalNs = 0;
  for (const file of files) {
    const { rows, totalNs: fileNs } = readRows(file);
    totalNs += fileNs;
    for (const row of rows) {
      const selfOfRow = (row.self / 100) * fileNs;
      areasNs[areaOf(row)] += selfOfRow;
      if (row.kernel && row.symbol === 'sock_def_readable') areasNs.wakingReader += (row.children / 100) * fileNs;
      const key = `${areaOf(row).padEnd(10)}  ${row.symbol}`;
      selfNs.set(key, (selfNs.get(key) ?? 0) + selfOfRow);
    }
  }
  const perRequest = (ns: number) => (requests > 0 ? ns / 1000 / requests : 0);
  return {
    perRequestUs: {
      total: perRequest(totalNs),
      kernel: perRequest(areasNs.kernel),
      wakingReader: perRequest(areasNs.wakingReader),
      native: perRequest(areasNs.native),
      javascript: perRequest(areasNs.javascript),
      other: perRequest(areasNs.other),
    },
    hottest: [...selfNs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ns]) => `${perRequest(ns).toFixed(2).padStart(6)} µs  ${key}`),
  };
}

/** One line: the areas of a breakdown, in µs per request. */
export function formatAreas(areas: PerfAreas): string {
  const us = (value: number) => value.toFixed(1);
  return `${us(areas.total)} µs = kernel ${us(areas.kernel)} (waking the reader ${us(areas.wakingReader)}) + Node/V8 native ${us(areas.native)} + JavaScript ${us(areas.javascript)} + other ${us(areas.other)}`;
}
