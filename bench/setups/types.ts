/**
 * What a setup is: a name, how to start its server (its own child process) and which requests to
 * load it with. bench/setups/index.ts lists them in run order; bench/run.ts runs them.
 */
import type { BenchOptions } from '../options.js';
import type { LoadRequest } from '../load.js';
import type { RunningChild } from '../child.js';
import type { JwksServer } from '../jwks-server.js';
import type { RsaIdentityProvider } from '../tokens.js';
import type { PreloadSize } from '../preload/data.js';

export interface SetupContext {
  options: BenchOptions;
  log(line: string): void;
  /** A fresh temp folder of this run (removed at the end). */
  tmpDir: string;
  /** Starts `bench/servers/<server>.ts` on the server core with `env`. */
  startServer(server: string, env: Record<string, string>): Promise<RunningChild>;
  /** The local identity provider (RSA key and JWKS server), started on first use. */
  identityProvider(): Promise<{ rsa: RsaIdentityProvider; jwks: JwksServer }>;
  /** The HS256 secret the peers share with the bench. */
  hs256Secret: string;
  /** This run's copy of the SQLite preload of `size` (one copy per run and size). */
  sqlitePreload(size: PreloadSize): Promise<string>;
  /** This run's PostgreSQL database with the preload of `size`, or why there is none. */
  postgresPreload(size: PreloadSize): Promise<{ url: string } | { unavailable: string }>;
  /** This run's database with the memory preload of `size` (a SQLite path or a PostgreSQL URL), or why there is none. */
  memoryPreload(kind: 'sqlite' | 'postgres', size: PreloadSize): Promise<{ url: string } | { unavailable: string }>;
  /** The preload size of the real-work setups in this run (`--small`: small). */
  workSize: PreloadSize;
}

export interface Prepared {
  url: string;
  /** Sent in turn, round-robin. */
  requests: LoadRequest[];
  /** The status every response must have (checked once per request before the load). */
  expectStatus: number;
  /** Facts to keep with the results (e.g. "responses carry a fresh Authorization header"). */
  notes?: string[];
  /** Extra numbers read after the runs (e.g. JWKS fetches). */
  after?(): Record<string, number>;
  stop(): Promise<void>;
}

export type Started = Prepared | { unavailable: string };

export interface Comparison {
  /** The setup this one is compared with, in the same run. */
  against: string;
  /**
   * `throughput`: requests/s ÷ the other's (target: at least `target`).
   * `latency-growth`: the other's p50 ÷ this one's (the 1M list over the 10k list; target: at most `target`).
   */
  kind: 'throughput' | 'latency-growth';
  /** The target for Threadgate's setups; peers and extras are compared without one. */
  target?: number;
}

export interface Setup {
  name: string;
  group: 'auth' | 'work';
  /** One line: what runs and how the request authenticates. */
  title: string;
  compare?: Comparison;
  /** Only run when `--only` names it. */
  extra?: boolean;
  start(ctx: SetupContext): Promise<Started>;
}
