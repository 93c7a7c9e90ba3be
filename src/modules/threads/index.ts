/**
 * The threads module, assembled: threads, messages, feedback and run leases (the Assistant Cloud
 * wire API), with the project-wide reads of an API key. Its repositories use the store's database
 * and dialect hooks (`storeContextOf`); the claim reaches anonymous sessions, and a deleted or
 * claimed thread the rows other modules keep about it, only through the ports it is handed
 * (threads-ports.ts).
 */
import type { Store } from '../../store/store.js';
import { storeContextOf } from '../../store/kysely-store.js';
import { createMessagesRepository, type MessagesRepository } from './messages-repository.js';
import type { ClaimSessions, ThreadFollower } from './threads-ports.js';
import { createThreadsRepository, type ThreadsRepository } from './threads-repository.js';
import { createThreadsService, type ThreadsService } from './threads-service.js';
import type { ThreadsDatabase } from './threads-tables.js';

/** A process without anonymous sessions to claim (see ThreadsModuleDeps.sessions). */
const cannotClaim = () => Promise.reject(new TypeError('threads module: built without sessions, it cannot claim'));
const NO_SESSIONS: ClaimSessions = { resolveFamily: cannotClaim, revokeFamily: cannotClaim, familyRevoked: () => Promise.resolve() };

export interface ThreadsModule {
  service: ThreadsService;
  threads: ThreadsRepository;
  messages: MessagesRepository;
}

export interface ThreadsModuleDeps {
  store: Store;
  /**
   * The anonymous sessions a claim absorbs (server.ts wires them to auth/refresh-token.ts). Absent
   * in a process that serves no claim (a CLI command): a claim is then misuse, a TypeError.
   */
  sessions?: ClaimSessions;
  /** Other modules' rows about threads (the runs module's telemetry). */
  followers?: readonly ThreadFollower[];
  clock: () => number;
}

/**
 * @example
 * const threads = createThreadsModule({ store, sessions, followers: [runsFollower], clock: Date.now })
 * await threads.service.listThreads({ projectId, workspaceId, limit: 20 })
 */
export function createThreadsModule(deps: ThreadsModuleDeps): ThreadsModule {
  const ctx = storeContextOf<ThreadsDatabase>(deps.store);
  const threads = createThreadsRepository(ctx);
  const messages = createMessagesRepository(ctx);
  const service = createThreadsService({ threads, messages, sessions: deps.sessions ?? NO_SESSIONS, followers: deps.followers ?? [], clock: deps.clock });
  return { service, threads, messages };
}
