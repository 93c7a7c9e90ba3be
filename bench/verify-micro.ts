/**
 * `npm run bench:micro`: the verifier alone, in-process. For each credential kind, ops/s of
 * `createAuthenticator(...).authenticate`:
 * - no cache: an authenticator built without the verified-credential cache, the same credential
 *   every time: the full check on every call;
 * - cache miss: the server's authenticator (with its cache), a never-seen credential every call;
 * - cache hit: the server's authenticator, the same credential every time (steady state);
 * beside the raw crypto floor of this machine (micro/crypto-floor.ts), timed again right after
 * each kind's misses so that the two are seconds apart. The issue's target: a cache miss costs at
 * most the floor + 50% (miss time ÷ floor time ≤ 1.5). Beside it, for the JWT kinds, the least a
 * strict verifier does on first sight: Threadgate's strict parse of a fresh token, then the floor's
 * crypto (the floor alone runs in a tight loop; here other work runs between two crypto calls).
 *
 * Options: --quick (short samples), --samples N (default 5), --sample-ms N (default 1000).
 * Writes bench/results/micro-<timestamp>.json.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authLookupsOf, createApp, createAuthenticator, createLogger, createServices, parseJwsClaims, resolveConfig } from './threadgate-dist.js';
import { startJwksServer } from './jwks-server.js';
import { describeMachine } from './machine.js';
import { cpuBetween, snapshot } from './cpu.js';
import { createFloorMaterial, measureFloors } from './micro/crypto-floor.js';
import { provisionKinds } from './micro/credential-kinds.js';
import { time, timeEach, type Timing } from './micro/timing.js';
import { RESULTS_DIR } from './report.js';
import { THREADGATE_BENCH_ENV } from './threadgate-credentials.js';
import { createRsaIdentityProvider } from './tokens.js';

function parseArgs(argv: string[]): { samples: number; sampleMs: number; quick: boolean } {
  const quick = argv.includes('--quick');
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : Number(argv[i + 1]);
  };
  for (const arg of argv) {
    if (arg.startsWith('--') && !['--quick', '--samples', '--sample-ms'].includes(arg)) throw new Error(`unknown option ${arg}`);
  }
  return { quick, samples: value('--samples') ?? (quick ? 3 : 5), sampleMs: value('--sample-ms') ?? (quick ? 200 : 1000) };
}

const fmt = (n: number | null) => (n === null ? '–' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const timing = { samples: options.samples, sampleMs: options.sampleMs };
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-micro-'));
  const rsa = createRsaIdentityProvider();
  const jwks = await startJwksServer(rsa);
  const config = resolveConfig({ ...THREADGATE_BENCH_ENV, DATABASE_URL: join(dir, 'micro.db'), LOG_LEVEL: 'silent' });
  const services = await createServices(config, { logger: createLogger('silent') });
  try {
    const app = createApp(services.deps);
    const kinds = await provisionKinds(services, (path, init) => Promise.resolve(app.request(path, init)), { rsa, jwks });
    // Whether this version of Threadgate has a verified-credential cache (THREADGATE_TOKEN_CACHE_SIZE).
    const hasCache = typeof (config as { tokenCacheSize?: unknown }).tokenCacheSize === 'number' && (config as { tokenCacheSize: number }).tokenCacheSize > 0;
    const cached = services.deps.authenticator;
    // The server's own dependencies (credential reads, keyring, config, secret box, clock), without the caches.
    const uncached = createAuthenticator({ ...services.deps, store: authLookupsOf(services.deps.credentials.repository, services.deps.store) });

    const cpuBefore = snapshot([]);
    process.stderr.write(`crypto floors (${options.samples} × ${options.sampleMs} ms samples) ...\n`);
    const material = createFloorMaterial();
    const floors = await measureFloors(timing, material);
    const rows: Record<string, unknown>[] = [];
    for (const kind of kinds) {
      if ('unavailable' in kind) {
        rows.push({ kind: kind.kind, unavailable: kind.unavailable });
        continue;
      }
      process.stderr.write(`${kind.kind} ...\n`);
      const noCache = await time(() => uncached.authenticate(kind.input), timing);
      // Fresh credentials per sample: about one sample's worth at the full check's speed.
      const perSample = Math.max(50, Math.min(2000, Math.round(noCache.opsPerSecond * (options.sampleMs / 1000))));
      let miss: Timing | null = null;
      let hit: Timing | null = null;
      if (hasCache) {
        // Hits first: the misses fill the cache (and its Map) with entries that have nothing to do with the hit.
        hit = await time(() => cached.authenticate(kind.input), timing);
        miss = await timeEach(kind.fresh, (input) => cached.authenticate(input) as Promise<unknown>, { ...timing, perSample });
      }
      // The least a strict verifier does on first sight of a token: Threadgate's strict parse of
      // the fresh token, then the floor's crypto (API keys are not parsed: none for them).
      let parseAndFloor: Timing | null = null;
      if (kind.kind !== 'api_key') {
        const floorCall = material.calls[kind.floor];
        parseAndFloor = await timeEach(kind.fresh, async (input) => {
          parseJwsClaims(input.authorization!.slice('Bearer '.length));
          return floorCall();
        }, { ...timing, perSample });
      }
      // The kind's floor again, right after its misses: this machine's speed drifts over a run, so
      // the ratio compares two measurements taken seconds apart, not minutes.
      const pairedFloor = await time(material.calls[kind.floor], timing);
      const missOps = (miss ?? noCache).opsPerSecond;
      const missOverFloor = pairedFloor.opsPerSecond / missOps;
      rows.push({
        kind: kind.kind,
        noCacheOps: noCache.opsPerSecond,
        missOps: miss?.opsPerSecond ?? null,
        hitOps: hit?.opsPerSecond ?? null,
        floor: kind.floor,
        floorOps: pairedFloor.opsPerSecond,
        missTimeOverFloor: missOverFloor,
        parseAndFloorOps: parseAndFloor?.opsPerSecond ?? null,
        parseAndFloorOverFloor: parseAndFloor === null ? null : pairedFloor.opsPerSecond / parseAndFloor.opsPerSecond,
        targetMet: missOverFloor <= 1.5,
        samples: { noCache: noCache.samples, miss: miss?.samples ?? null, hit: hit?.samples ?? null, parseAndFloor: parseAndFloor?.samples ?? null },
      });
    }

    const lines = [
      '| credential kind | no cache ops/s | cache miss ops/s | cache hit ops/s | crypto floor | floor ops/s | miss time ÷ floor (≤ 1.5) | strict parse + floor ÷ floor |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map((row) =>
        'unavailable' in row
          ? `| ${row.kind} | ${row.unavailable} | | | | | | |`
          : `| ${row.kind} | ${fmt(row.noCacheOps as number)} | ${hasCache ? fmt(row.missOps as number) : 'no cache'} | ${hasCache ? fmt(row.hitOps as number) : 'no cache'} | ${row.floor} | ${fmt(row.floorOps as number)} | ${(row.missTimeOverFloor as number).toFixed(2)}×${row.targetMet ? '' : ' ✗'} | ${row.parseAndFloorOverFloor === null ? '–' : `${(row.parseAndFloorOverFloor as number).toFixed(2)}×`} |`,
      ),
      '',
      '| crypto floor | ops/s |',
      '|---|---|',
      ...[...Object.values(floors).filter((floor) => !Array.isArray(floor)), ...floors.webcrypto].map((floor) => {
        const f = floor as { title: string; timing: Timing };
        return `| ${f.title} | ${fmt(f.timing.opsPerSecond)} |`;
      }),
    ];
    // This process is the one being measured; everything else on the machine competed with it.
    const others = cpuBetween(cpuBefore, snapshot([])).othersPercent;
    lines.push('', `Other processes used ${others === null ? '?' : others.toFixed(0)}% of a core during this run (on 2 cores, above ~50% the numbers are disturbed).`);
    console.log(`\n${lines.join('\n')}\n`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, `micro-${startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(path, `${JSON.stringify({ startedAt, machine, options, hasCache, othersCpuPercent: others, kinds: rows, floors }, null, 2)}\n`);
    console.log(`results: ${path}`);
  } finally {
    await services.close();
    await jwks.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
