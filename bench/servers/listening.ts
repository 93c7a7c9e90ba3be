/**
 * The one line every bench server prints once it listens, so the runner (bench/child.ts) learns
 * the port it was given (each server binds port 0 on 127.0.0.1: a free port chosen by the OS).
 */
export const LISTENING_PREFIX = 'BENCH_LISTENING ';

/** Prints `BENCH_LISTENING http://127.0.0.1:<port>`. */
export function announceListening(port: number): void {
  process.stdout.write(`${LISTENING_PREFIX}http://127.0.0.1:${port}\n`);
}

/** Reads a required environment variable (misuse of a bench server fails at start). */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new TypeError(`bench server: ${name} is required`);
  return value;
}

/** Stops cleanly on SIGTERM/SIGINT so the next setup starts on an idle core. */
export function exitOnSignal(close: () => unknown = () => undefined): void {
  const stop = () => {
    Promise.resolve(close()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
