/** What a setup asks the load generator to send, and what one measured run returns. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/threads?limit=20`. */
  path: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
}

export interface RunResult {
  requests: number;
  durationSeconds: number;
  /** Requests per second over the run (every response, whatever its status). */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; mean: number; max: number };
  errors: { connect: number; read: number; write: number; timeout: number; /** Responses with a status ≥ 400. */ status: number };
  /** Filled by the runner (bench/cpu.ts), in percent of one core: the server's CPU, and everyone else's. */
  cpu?: { serverPercent: number | null; othersPercent: number | null };
}
