/**
 * `npm run bench`: runs every setup (or those named by `--only`), one after another, each as its
 * own server process on core 0 loaded by wrk on core 1: a sanity request, a warm-up, then N runs;
 * prints a Markdown table of medians with each setup's ratio to its reference (the no-auth
 * baseline, or the floor server of the same query), and writes every number to
 * bench/results/<timestamp>.json. Options: bench/options.ts; how to read it: docs/benchmarks.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAutocannon } from './autocannon.js';
import { startChild, type RunningChild } from './child.js';
import { startJwksServer, type JwksServer } from './jwks-server.js';
import type { LoadRequest, RunResult } from './load.js';
import { describeMachine } from './machine.js';
import { cpuBetween, snapshot } from './cpu.js';
import { parseOptions, selects, UsageError, type BenchOptions } from './options.js';
import { dropTemplates, freshPostgresDatabase, postgresReachable, type FreshDatabase } from './preload/postgres.js';
import { CACHE_DIR, copySqlitePreload } from './preload/sqlite.js';
import { copyMemoryPreload } from './preload/memories-sqlite.js';
import { freshMemoryDatabase } from './preload/memories-postgres.js';
import { compare, formatPerfTable, formatTable, formatTargets, summarize, targetLines, writeReport, type SetupResult } from './report.js';
import { formatAreas, perfUnavailable, startPerfRecording, summarizePerf, type PerfRecording } from './perf-breakdown.js';
import { SETUPS } from './setups/index.js';
import type { Comparison, Prepared, Setup, SetupContext } from './setups/types.js';
import { createRsaIdentityProvider, randomSecret, type RsaIdentityProvider } from './tokens.js';
import { ensureWrk, pinning, pinSelf, type Pinning } from './tools.js';
import { summarizeProfile } from './profile-summary.js';
import { RESULTS_DIR } from './report.js';
import { runWrk, type WrkOptions } from './wrk.js';

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chosenSetups(options: BenchOptions): Setup[] {
  return SETUPS.filter((setup) => {
    if (options.only !== null) return selects(options, setup.name);
    if (setup.extra === true) return false;
    // With --small every real-work setup already runs on the 10k preload.
    return !(options.small && setup.name.endsWith('-10k'));
  });
}

/** Sends each distinct request once and checks its status, so a run of 401s can never pass for a result. */
async function sanityCheck(url: string, requests: readonly LoadRequest[], expectStatus: number): Promise<void> {
  for (const request of requests) {
    const res = await fetch(`${url}${request.path}`, { method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
    const text = await res.text();
    if (res.status !== expectStatus) throw new Error(`${request.method} ${request.path} answered ${res.status}, expected ${expectStatus}: ${text.slice(0, 300)}`);
  }
}

interface RunState {
  children: Set<RunningChild>;
  /** This run's PostgreSQL databases and SQLite copies, by data set and size (`threads:large`, `memories:small`...). */
  databases: Map<string, Promise<FreshDatabase | { unavailable: string }>>;
  sqliteCopies: Map<string, Promise<string>>;
  jwks: Promise<{ rsa: RsaIdentityProvider; jwks: JwksServer }> | undefined;
  /** Where the servers of the current setup write CPU profiles (`--cpu-prof`), or null. */
  profileDir: string | null;
  /** The server processes of the current setup (CPU accounting). */
  setupPids: number[];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const setups = chosenSetups(options);
  if (options.list) {
    for (const setup of SETUPS) console.log(`${setup.name.padEnd(31)} ${setup.group.padEnd(5)} ${setup.extra ? '(extra) ' : ''}${setup.title}`);
    return;
  }
  if (setups.length === 0) throw new UsageError(`--only ${options.only?.join(',')} selects no setup (npm run bench -- --list)`);
  const noPerf = options.perf ? perfUnavailable() : undefined;
  if (noPerf !== undefined) throw new UsageError(`--perf: ${noPerf}`);

  // Described before this process pins itself to the load core (which would hide the other core).
  const machine = describeMachine();
  const pin: Pinning = pinning();
  pinSelf(pin);
  let load: (options: WrkOptions) => Promise<RunResult> = runWrk;
  let loadGenerator = 'wrk';
  if (!ensureWrk(log)) {
    log('wrk cannot be installed: falling back to autocannon (first request of each setup only)');
    load = runAutocannon;
    loadGenerator = 'autocannon';
  }
  const startedAt = new Date().toISOString();
  const tmpDir = mkdtempSync(join(tmpdir(), 'threadgate-bench-'));
  const state: RunState = { children: new Set(), databases: new Map(), sqliteCopies: new Map(), jwks: undefined, profileDir: null, setupPids: [] };
  const profilesRoot = join(RESULTS_DIR, 'profiles', startedAt.replace(/[:.]/g, '-'));
  // With --perf: one perf.data file per measured run, by setup (bench/perf-breakdown.ts).
  const perfRoot = join(RESULTS_DIR, 'perf', startedAt.replace(/[:.]/g, '-'));
  const perfFiles = new Map<string, string[]>();
  /** The recorded servers, whose symbol maps (/tmp/perf-<pid>.map) go once the recordings are read. */
  const perfPids = new Set<number>();
  const recordRun = (setup: string, pids: readonly number[]): PerfRecording | undefined => {
    if (!options.perf || pids.length === 0) return undefined;
    for (const pid of pids) perfPids.add(pid);
    mkdirSync(perfRoot, { recursive: true });
    const files = perfFiles.get(setup) ?? [];
    perfFiles.set(setup, files);
    const file = join(perfRoot, `${setup}-${files.length + 1}.data`);
    files.push(file);
    return startPerfRecording(pids, file, pin.load);
  };
  log(`${setups.length} setups; ${pin.description}; ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}`);

  if (options.rebuildCache) {
    rmSync(CACHE_DIR, { recursive: true, force: true });
    if ((await postgresReachable(options.postgresUrl)) === undefined) await dropTemplates(options.postgresUrl);
  }

  const cleanup = async () => {
    await Promise.allSettled([...state.children].map((child) => child.stop()));
    for (const database of state.databases.values()) {
      const resolved = await database.catch(() => undefined);
      if (resolved !== undefined && 'drop' in resolved) await resolved.drop().catch((error: unknown) => log(`could not drop ${resolved.url}: ${String(error)}`));
    }
    if (state.jwks !== undefined) await (await state.jwks).jwks.close();
    rmSync(tmpDir, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: stopping servers and dropping databases ...');
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  /** One copy per data set and size in a run (searches and lists only read; appends go to rows of their own). */
  const sqliteCopy = (key: string, make: () => Promise<string>) => {
    let copy = state.sqliteCopies.get(key);
    if (copy === undefined) {
      copy = make();
      state.sqliteCopies.set(key, copy);
    }
    return copy;
  };
  const postgresDatabase = async (key: string, make: () => Promise<FreshDatabase>): Promise<{ url: string } | { unavailable: string }> => {
    let database = state.databases.get(key);
    if (database === undefined) {
      database = (async () => {
        const unreachable = await postgresReachable(options.postgresUrl);
        if (unreachable !== undefined) return { unavailable: `PostgreSQL unreachable at ${options.postgresUrl}: ${unreachable}` };
        return make();
      })();
      state.databases.set(key, database);
    }
    const resolved = await database;
    return 'unavailable' in resolved ? resolved : { url: resolved.url };
  };

  const ctx: SetupContext = {
    options,
    log,
    tmpDir,
    hs256Secret: randomSecret(),
    workSize: options.small ? 'small' : 'large',
    async startServer(server, env) {
      const nodeArgs = [
        ...(state.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${state.profileDir}`]),
        // Names for JIT-compiled functions in /tmp/perf-<pid>.map; V8 then also writes a log, to a temporary file ('+').
        ...(options.perf ? ['--perf-basic-prof', '--logfile=+', '--no-logfile-per-isolate'] : []),
      ];
      const child = await startChild(server, env, pin.server, { nodeArgs });
      state.children.add(child);
      state.setupPids.push(child.pid);
      const stop = child.stop;
      return { ...child, stop: async () => { await stop(); state.children.delete(child); } };
    },
    identityProvider() {
      state.jwks ??= (async () => {
        const rsa = createRsaIdentityProvider();
        return { rsa, jwks: await startJwksServer(rsa) };
      })();
      return state.jwks;
    },
    sqlitePreload: (size) => sqliteCopy(`threads:${size}`, () => copySqlitePreload(size, tmpDir, log)),
    postgresPreload: (size) => postgresDatabase(`threads:${size}`, () => freshPostgresDatabase(options.postgresUrl, size, 'run', log)),
    memoryPreload: (kind, size) =>
      kind === 'sqlite'
        ? sqliteCopy(`memories:${size}`, () => copyMemoryPreload(size, tmpDir, log)).then((url) => ({ url }))
        : postgresDatabase(`memories:${size}`, () => freshMemoryDatabase(options.postgresUrl, size, 'run', log)),
  };

  const results: SetupResult[] = [];
  const comparisons = new Map<string, Comparison>();
  for (const setup of setups) if (setup.compare !== undefined) comparisons.set(setup.name, setup.compare);
  const runner: Runner = { load, loadGenerator, pin, serverPids: () => state.setupPids, recordRun };
  const summarizePerfRuns = (result: SetupResult) => {
    const files = perfFiles.get(result.name);
    if (files === undefined || result.status !== 'ok') return;
    result.perf = summarizePerf(files, result.runs.reduce((sum, run) => sum + run.requests, 0));
    log(`${result.name}: server CPU per request (perf): ${formatAreas(result.perf.perRequestUs)}; most self time:\n    ${result.perf.hottest.join('\n    ')}`);
  };
  const summarizeProfiles = (result: SetupResult, profileDir: string | null) => {
    if (profileDir === null || !existsSync(profileDir)) return;
    // The main thread's profile is the largest (Node 20 also profiles the module-loader thread);
    // only the measured runs count, not start-up and warm-up.
    const files = readdirSync(profileDir).filter((file) => file.endsWith('.cpuprofile')).map((file) => join(profileDir, file));
    const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
    result.profile = main === undefined ? [] : summarizeProfile(main, 20, result.measuredFromUs);
    log(`${result.name}: hottest functions (self time, ${profileDir}):\n    ${result.profile.join('\n    ')}`);
  };
  const logResult = (result: SetupResult) => {
    const m = result.median;
    log(
      result.status === 'ok' && m !== undefined
        ? `${result.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms.toFixed(2)} ms${m.nonOk > 0 ? `, ${m.nonOk} errors` : ''}`
        : `${result.name}: ${result.status}: ${result.reason?.split('\n')[0]}`,
    );
  };
  try {
    const auth = setups.filter((setup) => setup.group === 'auth');
    if (auth.length > 0) {
      const profileDirs = new Map(auth.map((setup) => [setup.name, options.cpuProf ? join(profilesRoot, setup.name) : null]));
      const authResults = await runInterleaved(auth, ctx, runner, (setup) => {
        state.profileDir = profileDirs.get(setup.name) ?? null;
        const pids: number[] = [];
        state.setupPids = pids;
        return () => pids;
      });
      for (const result of authResults) {
        summarizeProfiles(result, profileDirs.get(result.name) ?? null);
        summarizePerfRuns(result);
        logResult(result);
      }
      results.push(...authResults);
    }
    for (const setup of setups.filter((candidate) => candidate.group !== 'auth')) {
      state.profileDir = options.cpuProf ? join(profilesRoot, setup.name) : null;
      state.setupPids = [];
      const result = await runSetup(setup, ctx, runner);
      summarizeProfiles(result, state.profileDir);
      summarizePerfRuns(result);
      results.push(result);
      logResult(result);
      await sleep(500);
    }
  } finally {
    await cleanup();
    for (const pid of perfPids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
  compare(results, comparisons);
  const targets = targetLines(results);
  const path = writeReport({ startedAt, finishedAt: new Date().toISOString(), machine, pinning: pin.description, options, setups: results, targets });
  console.log(`\n${formatTable(results)}\n`);
  if (targets.length > 0) console.log(`${formatTargets(targets)}\n`);
  const perfTable = formatPerfTable(results);
  if (perfTable !== undefined) console.log(`where the servers' CPU went (perf; in parentheses: the difference from the first row):\n\n${perfTable}\n`);
  console.log(`auth setups: ${options.runs} interleaved rounds of ${options.durationSeconds} s each after ${options.warmupSeconds} s warm-up; real work: ${options.workRuns} × ${options.workDurationSeconds} s; ${options.connections} connections, one ${loadGenerator} thread; medians.`);
  console.log(`results: ${path}`);
}

interface Runner {
  load: (options: WrkOptions) => Promise<RunResult>;
  loadGenerator: string;
  pin: Pinning;
  serverPids: () => readonly number[];
  /** With `--perf`: starts recording one measured run of the setup's servers (stop it when the run ends). */
  recordRun: (setup: string, pids: readonly number[]) => PerfRecording | undefined;
}

/**
 * Waits (up to `maxSeconds`) until the machine is quiet: less than 20% of a core busy outside
 * the bench, measured over one second while the setup's server idles. Returns the seconds waited
 * and the last reading.
 */
async function waitForQuiet(maxSeconds: number): Promise<{ waitedSeconds: number; busyPercent: number | null }> {
  const started = performance.now();
  let busyPercent: number | null = null;
  let warned = false;
  for (;;) {
    const before = snapshot([]);
    await sleep(1000);
    busyPercent = cpuBetween(before, snapshot([])).othersPercent;
    const waitedSeconds = (performance.now() - started) / 1000;
    if (busyPercent === null || busyPercent < 20 || waitedSeconds >= maxSeconds) return { waitedSeconds: Math.round(waitedSeconds), busyPercent };
    if (!warned) log(`the machine is busy (${busyPercent}% of a core outside the bench): waiting up to ${maxSeconds} s for it to calm down ...`);
    warned = true;
  }
}

/**
 * The auth setups, interleaved: every server is started (each its own process on the server
 * core, idle while another is loaded), checked and warmed up, then each round loads every setup
 * once, in order, and the medians are taken over the rounds. This machine's speed drifts by a
 * fifth or more over minutes (shared virtual cores), so a setup measured minutes after the
 * baseline could gain or lose that much against it; measured in alternation, every setup sees the
 * same drift and the ratios hold.
 *
 * `track(setup)` is called before each setup starts and returns that setup's server pids.
 */
async function runInterleaved(setups: readonly Setup[], ctx: SetupContext, runner: Runner, track: (setup: Setup) => () => readonly number[]): Promise<SetupResult[]> {
  const { options } = ctx;
  const { load, loadGenerator, pin } = runner;
  interface Live {
    setup: Setup;
    base: SetupResult;
    started?: Prepared;
    pids: () => readonly number[];
    runs: RunResult[];
    /** Counters from `after()`, summed over this setup's own runs. */
    counters: Record<string, number>;
    failure?: SetupResult;
  }
  const live: Live[] = [];
  const settings = (entry: Live) => runSettings(entry.setup, entry.started!, options, loadGenerator);
  const wrkOptions = (started: Prepared) => loadTarget(started, options, pin);
  try {
    for (const setup of setups) {
      const base: SetupResult = { name: setup.name, group: setup.group, title: setup.title, status: 'ok', runs: [] };
      log(`${setup.name}: starting (${setup.title})`);
      const pids = track(setup);
      const entry: Live = { setup, base, pids, runs: [], counters: {} };
      live.push(entry);
      try {
        const started = await setup.start(ctx);
        if ('unavailable' in started) {
          entry.failure = { ...base, status: 'unavailable', reason: started.unavailable };
          continue;
        }
        entry.started = started;
        await sanityCheck(started.url, started.requests, started.expectStatus);
      } catch (error) {
        entry.failure = { ...base, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
      }
    }
    const running = live.filter((entry) => entry.failure === undefined && entry.started !== undefined);
    const quiet = await waitForQuiet(options.quietWaitSeconds);
    for (const entry of running) await load({ ...wrkOptions(entry.started!), durationSeconds: options.warmupSeconds });
    const measuredFromUs = Number(process.hrtime.bigint() / 1000n);
    for (let round = 1; round <= options.runs; round++) {
      log(`auth round ${round} of ${options.runs} (${running.length} setups × ${options.durationSeconds} s)`);
      for (const entry of running) {
        if (entry.failure !== undefined) continue;
        try {
          const before = snapshot(entry.pids());
          const countersBefore = entry.started!.after?.();
          const recording = runner.recordRun(entry.setup.name, entry.pids());
          const result = await load({ ...wrkOptions(entry.started!), durationSeconds: options.durationSeconds });
          await recording?.stop();
          entry.runs.push({ ...result, cpu: cpuBetween(before, snapshot(entry.pids())) });
          // Counters such as JWKS fetches are shared by setups (one JWKS server): count this setup's runs only.
          const countersAfter = entry.started!.after?.();
          if (countersBefore !== undefined && countersAfter !== undefined) {
            for (const [name, value] of Object.entries(countersAfter)) entry.counters[name] = (entry.counters[name] ?? 0) + value - (countersBefore[name] ?? 0);
          }
        } catch (error) {
          entry.failure = { ...entry.base, status: 'failed', settings: settings(entry), reason: error instanceof Error ? error.message : String(error) };
        }
      }
    }
    return live.map((entry) =>
      entry.failure ?? completed(entry.base, entry.started!, { settings: settings(entry), runs: entry.runs, measuredFromUs, quiet, extra: entry.started!.after !== undefined ? entry.counters : undefined }),
    );
  } finally {
    await Promise.allSettled(live.map((entry) => entry.started?.stop()));
  }
}

async function runSetup(setup: Setup, ctx: SetupContext, runner: Runner): Promise<SetupResult> {
  const { load, loadGenerator, pin } = runner;
  const { options } = ctx;
  const base = { name: setup.name, group: setup.group, title: setup.title, runs: [] as RunResult[] };
  log(`${setup.name}: starting (${setup.title})`);
  let started;
  try {
    started = await setup.start(ctx);
  } catch (error) {
    return { ...base, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  if ('unavailable' in started) return { ...base, status: 'unavailable', reason: started.unavailable };
  const settings = runSettings(setup, started, options, loadGenerator);
  const { runs, durationSeconds } = settings;
  const wrkOptions = loadTarget(started, options, pin);
  try {
    await sanityCheck(started.url, started.requests, started.expectStatus);
    const quiet = await waitForQuiet(options.quietWaitSeconds);
    await load({ ...wrkOptions, durationSeconds: options.warmupSeconds });
    // CLOCK_MONOTONIC in µs, the clock V8 stamps profile samples with.
    const measuredFromUs = Number(process.hrtime.bigint() / 1000n);
    const results: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      // wrk closes its connections at the end of a run (or the warm-up), but the server still
      // answers what they had sent: up to one request per connection. A request sent now comes
      // back about when those are done, so a run does not start behind its predecessor's backlog
      // (32 slow requests, such as hybrid searches, can fill most of a 2 s run).
      await sanityCheck(started.url, started.requests.slice(0, 1), started.expectStatus);
      const before = snapshot(runner.serverPids());
      const recording = runner.recordRun(setup.name, runner.serverPids());
      const result = await load({ ...wrkOptions, durationSeconds });
      await recording?.stop();
      results.push({ ...result, cpu: cpuBetween(before, snapshot(runner.serverPids())) });
    }
    return completed({ ...base, status: 'ok' }, started, { settings, runs: results, measuredFromUs, quiet, extra: started.after?.() });
  } catch (error) {
    return { ...base, status: 'failed', settings, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await started.stop();
  }
}

/** How a setup is run (the auth group's runs and length, or the real-work group's), as its result records it. */
function runSettings(setup: Setup, started: Prepared, options: BenchOptions, loadGenerator: string): NonNullable<SetupResult['settings']> {
  const auth = setup.group === 'auth';
  return {
    runs: auth ? options.runs : options.workRuns,
    durationSeconds: auth ? options.durationSeconds : options.workDurationSeconds,
    warmupSeconds: options.warmupSeconds,
    connections: options.connections,
    distinctRequests: started.requests.length,
    loadGenerator,
  };
}

/** What the load generator is pointed at for a setup (its duration is the caller's). */
function loadTarget(started: Prepared, options: BenchOptions, pin: Runner['pin']) {
  return { url: started.url, requests: started.requests, connections: options.connections, prefix: pin.load };
}

/** The record of a setup whose measured runs all completed. */
function completed(
  base: SetupResult,
  started: Prepared,
  measured: { settings: NonNullable<SetupResult['settings']>; runs: RunResult[]; measuredFromUs: number; quiet: SetupResult['quiet']; extra: Record<string, number> | undefined },
): SetupResult {
  return {
    ...base,
    status: 'ok',
    settings: measured.settings,
    runs: measured.runs,
    median: summarize(measured.runs),
    measuredFromUs: measured.measuredFromUs,
    quiet: measured.quiet,
    ...(started.notes !== undefined ? { notes: started.notes } : {}),
    ...(measured.extra !== undefined ? { extra: measured.extra } : {}),
  };
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
