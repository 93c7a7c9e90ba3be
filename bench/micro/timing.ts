/**
 * A plain timing loop (no benchmark library: what we need is a warm-up, a few samples and their
 * median, in about forty lines). Sync operations are called back to back; async ones are awaited
 * one at a time, which is how one request awaits its authenticator.
 */
import { median } from '../stats.js';

export interface TimingOptions {
  /** Samples whose median is reported. */
  samples: number;
  /** Length of each sample, ms; the warm-up lasts as long as one sample. */
  sampleMs: number;
}

export interface Timing {
  opsPerSecond: number;
  samples: number[];
}

const nowNs = () => process.hrtime.bigint();

/** Runs `op` (sync or async) in batches until a sample's time is up; ops/s per sample, median. */
export async function time(op: () => unknown, options: TimingOptions): Promise<Timing> {
  const probe = op();
  const isAsync = probe instanceof Promise;
  if (isAsync) await probe;
  const runFor = async (ms: number): Promise<number> => {
    const deadline = nowNs() + BigInt(Math.round(ms * 1e6));
    const start = nowNs();
    let ops = 0;
    let batch = 16;
    while (nowNs() < deadline) {
      if (isAsync) for (let i = 0; i < batch; i++) await op();
      else for (let i = 0; i < batch; i++) op();
      ops += batch;
      batch = Math.min(batch * 2, 4096);
    }
    return ops / (Number(nowNs() - start) / 1e9);
  };
  await runFor(options.sampleMs);
  const samples: number[] = [];
  for (let i = 0; i < options.samples; i++) samples.push(await runFor(options.sampleMs));
  return { opsPerSecond: median(samples), samples };
}

/**
 * For operations that need a fresh input each time (a cache miss needs a token never seen):
 * `make(n)` prepares `n` inputs outside the timed part, `op` consumes one per call. Each sample
 * takes `perSample` fresh inputs.
 */
export async function timeEach<T>(make: (n: number) => Promise<T[]> | T[], op: (input: T) => Promise<unknown>, options: TimingOptions & { perSample: number }): Promise<Timing> {
  const runOnce = async (): Promise<number> => {
    const inputs = await make(options.perSample);
    const start = nowNs();
    for (const input of inputs) await op(input);
    return inputs.length / (Number(nowNs() - start) / 1e9);
  };
  await runOnce();
  const samples: number[] = [];
  for (let i = 0; i < options.samples; i++) samples.push(await runOnce());
  return { opsPerSecond: median(samples), samples };
}
