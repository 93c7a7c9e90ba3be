/**
 * The memory module's background work, in each server process: embeds memories written while the
 * embeddings endpoint was down (or before it was configured), and purges expired memories. Its
 * queue is the `embed_pending` column, so it survives restarts and is shared by every process
 * (two processes may embed the same row once each; the second write is the same vector).
 */
import type { Logger } from 'pino';
import type { Embedder } from './embeddings.js';
import type { MemoryRepository } from './memory-repository.js';

export interface BackfillOptions {
  /** Time between runs while nothing fails, ms. */
  intervalMs?: number;
  /** Memories embedded per run. */
  batchSize?: number;
  /** Expired memories deleted per run. */
  purgeBatchSize?: number;
}

export interface BackfillDeps {
  repo: MemoryRepository;
  embedder: Embedder | null;
  logger: Pick<Logger, 'warn' | 'info'>;
  clock: () => number;
}

export interface MemoryBackfill {
  /** One pass: purge a batch of expired memories, embed a batch of pending ones. */
  runOnce(): Promise<{ embedded: number; purged: number; failed: boolean }>;
  /** Embeds until nothing is pending or the provider fails (the re-embed command). */
  drain(onProgress?: (embedded: number) => void): Promise<{ embedded: number; failed: boolean }>;
  /** Starts the timer (unref'd: it never keeps the process alive). */
  start(): void;
  /** Asks for a run soon (a write that could not be embedded). */
  wake(): void;
  stop(): Promise<void>;
}

export function createMemoryBackfill(deps: BackfillDeps, options: BackfillOptions = {}): MemoryBackfill {
  const intervalMs = options.intervalMs ?? 30_000;
  const batchSize = options.batchSize ?? 64;
  const purgeBatchSize = options.purgeBatchSize ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  // After a failure, wait longer before asking the provider again (up to 10 minutes).
  let failures = 0;

  async function embedBatch(): Promise<{ embedded: number; failed: boolean; more: boolean }> {
    if (deps.embedder === null) return { embedded: 0, failed: false, more: false };
    const pending = await deps.repo.pendingEmbeddings(batchSize);
    if (pending.length === 0) return { embedded: 0, failed: false, more: false };
    let vectors: Float32Array[];
    try {
      vectors = await deps.embedder.embed(pending.map((memory) => memory.text));
    } catch (error) {
      deps.logger.warn({ err: error instanceof Error ? error.message : String(error), pending: pending.length }, 'memory embeddings: the provider failed; will retry');
      return { embedded: 0, failed: true, more: true };
    }
    let embedded = 0;
    for (let i = 0; i < pending.length; i++) {
      if (await deps.repo.storeEmbedding(pending[i]!.id, pending[i]!.updatedAt, vectors[i]!, deps.embedder.model)) embedded++;
    }
    return { embedded, failed: false, more: pending.length === batchSize };
  }

  async function runOnce() {
    const purged = await deps.repo.purgeExpired(deps.clock(), purgeBatchSize);
    const { embedded, failed } = await embedBatch();
    return { embedded, purged, failed };
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  function tick(): void {
    if (running !== undefined) return;
    running = (async () => {
      let next = intervalMs;
      try {
        const first = await runOnce();
        failures = first.failed ? failures + 1 : 0;
        // Keep going while whole batches embed; stop at the first failure.
        let more = !first.failed && first.embedded === batchSize;
        while (more && !stopped) {
          const batch = await embedBatch();
          more = !batch.failed && batch.more;
          if (batch.failed) failures++;
        }
        if (failures > 0) next = Math.min(intervalMs * 2 ** Math.min(failures, 5), 600_000);
      } catch (error) {
        deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'memory backfill: a run failed');
      } finally {
        running = undefined;
        schedule(next);
      }
    })();
  }

  return {
    runOnce,
    async drain(onProgress) {
      let total = 0;
      for (;;) {
        const batch = await embedBatch();
        total += batch.embedded;
        onProgress?.(total);
        if (batch.failed) return { embedded: total, failed: true };
        if (!batch.more) return { embedded: total, failed: false };
      }
    },
    start() {
      stopped = false;
      schedule(1000);
    },
    wake() {
      if (!stopped && failures === 0) schedule(100);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
