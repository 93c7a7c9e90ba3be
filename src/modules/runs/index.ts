/**
 * The runs module, assembled: run reports, events and scores (telemetry) over the store's database,
 * the service the routes call, and the follower the threads module keeps in step in its own
 * transactions (a deleted thread takes its telemetry along; a claim moves the workspace's).
 * `POST /v1/runs/stream` (run-stream-routes.ts) is its route too: it runs the title generator or an
 * agent on a thread.
 */
import type { Store } from '../../store/store.js';
import { storeContextOf } from '../../store/kysely-store.js';
import type { ThreadFollower } from '../threads/threads-ports.js';
import type { ThreadsService } from '../threads/threads-service.js';
import { createRunsRepository, type RunsRepository } from './runs-repository.js';
import { createRunsService, type RunsService } from './runs-service.js';
import type { RunsDatabase } from './runs-tables.js';

export interface RunsModule {
  service: RunsService;
  repo: RunsRepository;
}

export interface RunsModuleDeps {
  store: Store;
  /** Whether a thread named by a report is the workspace's own. */
  threads: Pick<ThreadsService, 'getThread'>;
}

/**
 * What the threads module calls, inside its transactions, so that telemetry follows its threads.
 * Needs only the database: the threads module is built with it before the runs module.
 *
 * @example
 * const threads = createThreadsModule({ store, sessions, followers: [runsFollowerOf(store)], clock })
 */
export function runsFollowerOf(store: Store): ThreadFollower {
  const repo = createRunsRepository(storeContextOf<RunsDatabase>(store));
  return {
    threadDeleted: (trx, projectId, threadId) => repo.deleteForThread(trx, projectId, threadId),
    workspaceMoved: (trx, projectId, from, to) => repo.moveWorkspace(trx, projectId, from, to),
  };
}

/**
 * @example
 * const runs = createRunsModule({ store, threads: threadsModule.service })
 */
export function createRunsModule(deps: RunsModuleDeps): RunsModule {
  const repo = createRunsRepository(storeContextOf<RunsDatabase>(deps.store));
  return { service: createRunsService({ repo, threads: deps.threads }), repo };
}
