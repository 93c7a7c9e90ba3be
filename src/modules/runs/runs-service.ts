/**
 * The runs module's rules: telemetry (run reports, events, scores) is data the workspace owns like
 * its threads, stored under the caller's project and workspace, and any thread it names must be one
 * of the workspace's own (else 404), so a report can never attach itself to another workspace's
 * conversation. Threads are the threads module's: it answers whether one exists.
 */
import { NotFound } from '../../errors.js';
import type { Json } from '../../store/store.js';
import type { ThreadsService } from '../threads/threads-service.js';
import type { RunsRepository } from './runs-repository.js';
import type { NewEvent, NewScore, ScoreRecord } from './runs-types.js';

/** Who stores telemetry: a principal's project, workspace and user. */
export interface TelemetryScope {
  projectId: string;
  workspaceId: string;
  userId: string;
}

export interface RunsService {
  /** Stores a run report (the whole body) about `threadId`. */
  createRun(scope: TelemetryScope, threadId: string, status: string, report: Json): Promise<{ id: string }>;
  /** Stores a batch of events, whole or not at all; returns how many. */
  createEvents(scope: TelemetryScope, events: readonly NewEvent[]): Promise<number>;
  createScore(scope: TelemetryScope, score: Omit<NewScore, keyof TelemetryScope>): Promise<ScoreRecord>;
}

export interface RunsServiceDeps {
  repo: RunsRepository;
  threads: Pick<ThreadsService, 'getThread'>;
}

/**
 * @example
 * const service = createRunsService({ repo, threads: threadsModule.service })
 */
export function createRunsService(deps: RunsServiceDeps): RunsService {
  const { repo, threads } = deps;

  /** Refuses a thread id that is not the workspace's own. */
  async function checkThreads(scope: TelemetryScope, threadIds: Iterable<string | null>): Promise<void> {
    for (const id of new Set(threadIds)) {
      if (id === null) continue;
      if ((await threads.getThread(scope.projectId, scope.workspaceId, id)) === undefined) {
        throw new NotFound({ message: 'No such thread.' });
      }
    }
  }

  const where = (scope: TelemetryScope) => ({ projectId: scope.projectId, workspaceId: scope.workspaceId, userId: scope.userId });

  return {
    async createRun(scope, threadId, status, report) {
      await checkThreads(scope, [threadId]);
      return repo.createRun({ ...where(scope), threadId, status, report });
    },

    async createEvents(scope, events) {
      await checkThreads(scope, events.map((event) => event.threadId));
      return repo.createEvents(scope.projectId, scope.workspaceId, scope.userId, events);
    },

    async createScore(scope, score) {
      await checkThreads(scope, [score.threadId]);
      return repo.createScore({ ...where(scope), ...score });
    },
  };
}
