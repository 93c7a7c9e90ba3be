/**
 * The results of a run: one record per setup (every run, the medians, the comparison with its
 * reference setup), the table printed at the end (Markdown, to paste into docs/benchmarks.md),
 * and the JSON file written to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './load.js';
import type { Machine } from './machine.js';
import type { BenchOptions } from './options.js';
import type { Comparison } from './setups/types.js';
import type { PerfBreakdown } from './perf-breakdown.js';
import { median } from './stats.js';

export interface SetupResult {
  name: string;
  group: 'auth' | 'work';
  title: string;
  status: 'ok' | 'unavailable' | 'failed';
  reason?: string;
  notes?: string[];
  settings?: { runs: number; durationSeconds: number; warmupSeconds: number; connections: number; distinctRequests: number; loadGenerator: string };
  runs: RunResult[];
  median?: { rps: number; p50Ms: number; p90Ms: number; p99Ms: number; nonOk: number; serverCpuPercent: number | null; othersCpuPercent: number | null };
  /** How long the runner waited for the machine to be quiet before the warm-up, and the last reading. */
  quiet?: { waitedSeconds: number; busyPercent: number | null };
  extra?: Record<string, number>;
  /** When the measured runs began (CLOCK_MONOTONIC µs; `--cpu-prof` counts samples from then). */
  measuredFromUs?: number;
  /** With `--cpu-prof`: the server's hottest functions by self time during the measured runs. */
  profile?: string[];
  /** With `--perf`: where the server's CPU went per request during the measured runs (bench/perf-breakdown.ts). */
  perf?: PerfBreakdown;
  /** `met` is null without a value or without a target (peers, extras). */
  comparison?: Comparison & { value: number | null; met: boolean | null };
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  pinning: string;
  options: BenchOptions;
  setups: SetupResult[];
  /** Every comparison with a target, one line each (also in each setup's `comparison`). */
  targets: TargetLine[];
}

/** One target of the issue, as this run measured it. */
export interface TargetLine {
  /** The setup the ratio is about: Threadgate at 1M (÷ its floor), or Threadgate at 10k (1M p50 ÷ this p50). */
  setup: string;
  /** `throughput`: req/s ÷ `against`'s; `latency-growth`: `against`'s p50 (1M) ÷ this setup's p50 (10k). */
  kind: Comparison['kind'];
  against: string;
  value: number | null;
  target: number;
  met: boolean | null;
}

export function summarize(runs: readonly RunResult[]): NonNullable<SetupResult['median']> {
  return {
    rps: median(runs.map((run) => run.rps)),
    p50Ms: median(runs.map((run) => run.latencyMs.p50)),
    p90Ms: median(runs.map((run) => run.latencyMs.p90)),
    p99Ms: median(runs.map((run) => run.latencyMs.p99)),
    nonOk: runs.reduce((sum, run) => sum + run.errors.status + run.errors.connect + run.errors.read + run.errors.write + run.errors.timeout, 0),
    serverCpuPercent: medianOrNull(runs.map((run) => run.cpu?.serverPercent ?? null)),
    othersCpuPercent: medianOrNull(runs.map((run) => run.cpu?.othersPercent ?? null)),
  };
}

function medianOrNull(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : median(known);
}

/** Fills each result's comparison from the other results of the same run. */
export function compare(results: SetupResult[], comparisons: ReadonlyMap<string, Comparison>): void {
  for (const result of results) {
    const comparison = comparisons.get(result.name);
    if (comparison === undefined) continue;
    const other = results.find((candidate) => candidate.name === comparison.against);
    let value: number | null = null;
    if (result.median !== undefined && other?.median !== undefined) {
      value = comparison.kind === 'throughput' ? result.median.rps / other.median.rps : other.median.p50Ms / result.median.p50Ms;
      // A setup that completed no request has no p50 (0): no ratio either.
      if (!Number.isFinite(value)) value = null;
    }
    const { target } = comparison;
    const met = value === null || target === undefined ? null : comparison.kind === 'throughput' ? value >= target : value <= target;
    result.comparison = { ...comparison, value, met };
  }
}

/** The comparisons that have a target, in run order. */
export function targetLines(results: readonly SetupResult[]): TargetLine[] {
  return results.flatMap((result) => {
    const c = result.comparison;
    if (c?.target === undefined) return [];
    return [{ setup: result.name, kind: c.kind, against: c.against, value: c.value, target: c.target, met: c.met }];
  });
}

/**
 * The targets as a Markdown table, one line per comparison: Threadgate ÷ floor (req/s, target ≥),
 * and p50 at 1M ÷ p50 at 10k (target ≤), e.g. per database and mode for memory search.
 */
export function formatTargets(lines: readonly TargetLine[]): string {
  const rows = [['target', 'setup', 'compared with', 'value', 'target', 'met']];
  for (const line of lines) {
    rows.push([
      line.kind === 'throughput' ? 'Threadgate ÷ floor, req/s' : 'p50 at 1M ÷ p50 at 10k',
      line.setup,
      line.against,
      line.value === null ? '–' : `${fixed(line.value, 2)}×`,
      `${line.kind === 'throughput' ? '≥' : '≤'} ${line.target}×`,
      line.met === null ? 'not measured' : line.met ? 'yes' : 'NO',
    ]);
  }
  return markdownTable(rows);
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function ratioCell(result: SetupResult): string {
  const c = result.comparison;
  if (c === undefined) return '';
  if (c.value === null) return `– (no ${c.against})`;
  const target = c.target === undefined ? '' : ` (${c.kind === 'throughput' ? '≥' : '≤'} ${c.target})${c.met === false ? ' ✗' : ''}`;
  return c.kind === 'throughput' ? `${fixed(c.value, 2)}× ${c.against}${target}` : `1M/10k p50 ${fixed(c.value, 2)}×${target}`;
}

/** The results as a Markdown table. */
export function formatTable(results: readonly SetupResult[]): string {
  // server µs/req: the server's own CPU time per request, which other load on the machine
  // disturbs much less than req/s (it does not count time the server waited for its core).
  const rows = [['setup', 'req/s', 'p50 ms', 'p99 ms', 'p99/p50', 'ratio (target)', 'server CPU', 'server µs/req', 'other CPU', 'note']];
  for (const result of results) {
    if (result.status !== 'ok' || result.median === undefined) {
      rows.push([result.name, '', '', '', '', '', '', '', '', result.status === 'unavailable' ? result.reason ?? 'not available' : `FAILED: ${(result.reason ?? '').split('\n')[0]!.slice(0, 120)}`]);
      continue;
    }
    const m = result.median;
    const spread = m.p99Ms / m.p50Ms;
    const notes = [
      ...(m.nonOk > 0 ? [`${m.nonOk} errors/non-2xx`] : []),
      ...(result.group === 'work' && spread > 5 ? ['p99 > 5× p50'] : []),
      ...(m.othersCpuPercent !== null && m.othersCpuPercent > 25 && !result.name.includes('postgres') ? ['BUSY MACHINE: other processes used the CPU'] : []),
      // A CPU-bound server that got much less than its core was preempted by something else.
      ...(result.group === 'auth' && m.serverCpuPercent !== null && m.serverCpuPercent < 90 ? [`server had only ${m.serverCpuPercent.toFixed(0)}% of its core`] : []),
      ...Object.entries(result.extra ?? {}).map(([key, value]) => `${key}: ${value}`),
    ];
    const percent = (value: number | null) => (value === null ? '–' : `${value.toFixed(0)}%`);
    const cpuPerRequest = m.serverCpuPercent === null || m.rps <= 0 ? '–' : fixed((m.serverCpuPercent / 100) * (1e6 / m.rps), 1);
    rows.push([result.name, fixed(m.rps, 0), fixed(m.p50Ms, 2), fixed(m.p99Ms, 2), fixed(spread, 1), ratioCell(result), percent(m.serverCpuPercent), cpuPerRequest, percent(m.othersCpuPercent), notes.join('; ')]);
  }
  return markdownTable(rows);
}

/**
 * With `--perf`: the server's CPU per request by area (bench/perf-breakdown.ts), and each area's
 * difference from the first setup's (the baseline, when it ran), or `undefined` when no setup has one.
 */
export function formatPerfTable(results: readonly SetupResult[]): string | undefined {
  const measured = results.filter((result) => result.perf !== undefined);
  if (measured.length === 0) return undefined;
  const first = measured[0]!.perf!.perRequestUs;
  const rows = [['setup (µs per request)', 'total', 'kernel', 'of it: waking the reader', 'Node/V8 native', 'JavaScript', 'other']];
  const keys = ['total', 'kernel', 'wakingReader', 'native', 'javascript', 'other'] as const;
  for (const result of measured) {
    const areas = result.perf!.perRequestUs;
    const cell = (key: (typeof keys)[number]) => {
      const difference = areas[key] - first[key];
      return result === measured[0] ? fixed(areas[key], 1) : `${fixed(areas[key], 1)} (${difference >= 0 ? '+' : ''}${fixed(difference, 1)})`;
    };
    rows.push([result.name, ...keys.map(cell)]);
  }
  return markdownTable(rows);
}

/** Rows (the first the header) as an aligned Markdown table. */
function markdownTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export const RESULTS_DIR = join(import.meta.dirname, 'results');

export function writeReport(report: RunReport): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
