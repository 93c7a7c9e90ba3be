/**
 * The memory module, assembled: repository over the store's database and dialect, the embedder
 * when configured, the background backfill, and the service the routes and the CLI call.
 * `eraseUser` and `countForUser` are what the users module (a later issue) calls for a user's erase.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config.js';
import type { Store } from '../../store/store.js';
import { kyselyOf } from '../../store/kysely-store.js';
import { createMemoryRepository, type MemoryRepository } from './memory-repository.js';
import { sqliteMemoryDialect } from './dialects/sqlite.js';
import { postgresMemoryDialect } from './dialects/postgres.js';
import { createEmbedder, type Embedder } from './embeddings.js';
import { createMemoryBackfill, type BackfillOptions, type MemoryBackfill } from './backfill.js';
import { createMemoryService, type MemoryService } from './memory-service.js';
import type { MemoryThreads } from './memory-ports.js';

/** A process without the threads module (a CLI command): naming a thread is then misuse, a TypeError. */
const NO_THREADS: MemoryThreads = {
  requireThread: () => Promise.reject(new TypeError('memory module: built without the threads module, it cannot check a thread_id')),
};

export interface MemoryModule {
  service: MemoryService;
  repo: MemoryRepository;
  embedder: Embedder | null;
  backfill: MemoryBackfill;
  /** Erases every memory of a user in the project (expired ones and vectors too); returns how many. */
  eraseUser(projectId: string, userId: string): Promise<number>;
  /** The user's memories that are not expired, in every workspace of the project. */
  countForUser(projectId: string, userId: string): Promise<number>;
}

export interface MemoryModuleDeps {
  store: Store;
  config: Pick<ResolvedConfig, 'embeddings' | 'memoryLanguage' | 'memorySemanticMaxCandidates'>;
  logger: Pick<Logger, 'warn' | 'info'>;
  clock: () => number;
  /**
   * The threads module (server.ts passes its service), which decides whether a caller may name a
   * thread in a memory or a filter. Absent in a process that serves no memory routes (a CLI command).
   */
  threads?: MemoryThreads;
  /** A test's embedder in place of the configured one. */
  embedder?: Embedder | null;
  backfill?: BackfillOptions;
}

/**
 * @example
 * const memory = createMemoryModule({ store, config, logger, clock: Date.now, threads: threadsModule.service })
 * memory.backfill.start()
 */
export function createMemoryModule(deps: MemoryModuleDeps): MemoryModule {
  const dialect = deps.store.dialect === 'postgres' ? postgresMemoryDialect(deps.config.memoryLanguage) : sqliteMemoryDialect;
  const repo = createMemoryRepository(kyselyOf(deps.store), dialect);
  const embedder = deps.embedder !== undefined ? deps.embedder : deps.config.embeddings === null ? null : createEmbedder(deps.config.embeddings);
  const backfill = createMemoryBackfill({ repo, embedder, logger: deps.logger, clock: deps.clock }, deps.backfill);
  const service = createMemoryService({
    repo,
    embedder,
    backfill,
    threads: deps.threads ?? NO_THREADS,
    logger: deps.logger,
    clock: deps.clock,
    semanticMaxCandidates: deps.config.memorySemanticMaxCandidates,
  });
  return {
    service,
    repo,
    embedder,
    backfill,
    eraseUser: (projectId, userId) => service.eraseUser(projectId, userId),
    countForUser: (projectId, userId) => service.countForUser(projectId, userId),
  };
}
