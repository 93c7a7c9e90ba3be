/**
 * `npm run bench -- [options]`, resolved once into a frozen `BenchOptions` (every default filled).
 *
 *   --runs N             measured runs per auth setup (default 5)
 *   --duration 10s       length of each measured run of an auth setup (default 10s)
 *   --warmup 2s          warm-up before the runs of each setup (default 2s)
 *   --work-runs N        runs per real-work setup (default 3)
 *   --work-duration 4s   length of each run of a real-work setup (default 4s)
 *   --connections N      open connections wrk keeps (default 32; one wrk thread)
 *   --quiet-wait 60s     before each setup, wait up to this long for other processes to stop using
 *                        the CPU (default 60s; 0 never waits); the CPU they used is recorded anyway
 *   --quick              smoke run: 1 run of 2s per setup, 1s warm-up
 *   --only a,b           only these setups (names as in the table; * matches any characters:
 *                        tg-* every name starting with tg-, *memory* every name with memory in it)
 *   --small              real-work setups on the 10k-message preload instead of the 1M one
 *   --postgres URL       server for the PostgreSQL setups (default postgres://postgres@127.0.0.1:5432/test)
 *   --rebuild-cache      rebuild the cached preloads (SQLite files, PostgreSQL template databases)
 *   --cpu-prof           record a V8 CPU profile of each server (bench/results/profiles/<run>/<setup>/)
 *                        and print its hottest functions (bench/profile-summary.ts)
 *   --perf               record every measured run with Linux perf and print where each server's
 *                        CPU goes per request: kernel, Node/V8 native code, JavaScript
 *                        (bench/perf-breakdown.ts); a diagnosis run, its ratios are not the ones to quote
 *   --list               print the setups and exit
 */
export interface BenchOptions {
  runs: number;
  durationSeconds: number;
  warmupSeconds: number;
  workRuns: number;
  workDurationSeconds: number;
  connections: number;
  quietWaitSeconds: number;
  quick: boolean;
  only: readonly string[] | null;
  small: boolean;
  postgresUrl: string;
  rebuildCache: boolean;
  cpuProf: boolean;
  perf: boolean;
  list: boolean;
}

export class UsageError extends Error {}

/** `10s`, `2.5s`, `500ms` or a bare number of seconds. */
export function parseDuration(raw: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw);
  if (match === null) throw new UsageError(`${flag}: expected a duration like 10s or 500ms, got "${raw}"`);
  const value = Number(match[1]);
  const seconds = match[2] === 'ms' ? value / 1000 : match[2] === 'm' ? value * 60 : value;
  if (!(seconds > 0)) throw new UsageError(`${flag}: must be more than zero`);
  return seconds;
}

function parseCount(raw: string, flag: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${flag}: expected a whole number ≥ 1, got "${raw}"`);
  return Number(raw);
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const withValue = new Set(['--runs', '--duration', '--warmup', '--work-runs', '--work-duration', '--connections', '--quiet-wait', '--only', '--postgres']);
  const bare = new Set(['--quick', '--small', '--rebuild-cache', '--cpu-prof', '--perf', '--list']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (bare.has(name)) {
      flags.add(name);
    } else if (withValue.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      values.set(name, value);
    } else {
      throw new UsageError(`unknown option ${arg} (see bench/options.ts or docs/benchmarks.md)`);
    }
  }
  const quick = flags.has('--quick');
  const get = <T>(flag: string, parse: (raw: string, flag: string) => T, fallback: T): T => {
    const raw = values.get(flag);
    return raw === undefined ? fallback : parse(raw, flag);
  };
  const only = values.get('--only');
  return Object.freeze({
    runs: get('--runs', parseCount, quick ? 1 : 5),
    durationSeconds: get('--duration', parseDuration, quick ? 2 : 10),
    warmupSeconds: get('--warmup', parseDuration, quick ? 1 : 2),
    workRuns: get('--work-runs', parseCount, quick ? 1 : 3),
    workDurationSeconds: get('--work-duration', parseDuration, quick ? 2 : 4),
    connections: get('--connections', parseCount, 32),
    quietWaitSeconds: values.get('--quiet-wait') === '0' ? 0 : get('--quiet-wait', parseDuration, quick ? 10 : 60),
    quick,
    only: only === undefined ? null : Object.freeze(only.split(',').map((name) => name.trim()).filter((name) => name !== '')),
    small: flags.has('--small'),
    postgresUrl: values.get('--postgres') ?? process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    rebuildCache: flags.has('--rebuild-cache'),
    cpuProf: flags.has('--cpu-prof'),
    perf: flags.has('--perf'),
    list: flags.has('--list'),
  });
}

/** Whether `--only` selects `name` (`*` matches any characters: `tg-*`, `*memory*`, `*-10k`). */
export function selects(options: BenchOptions, name: string): boolean {
  if (options.only === null) return true;
  return options.only.some((pattern) => {
    const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('.*')}$`).test(name);
  });
}
