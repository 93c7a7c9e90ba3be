/**
 * The threads module's repository suite, one for every database (hono's router/common.case.test.ts
 * pattern): threads-repository.test.ts calls `runThreadsCases` on SQLite and on PostgreSQL.
 *
 * Every test makes its own project and workspace ids, so tests share one database without seeing
 * each other. The cases drive the repositories; where a rule spans modules (a deleted thread's
 * telemetry, the claim's one transaction) they drive the service, wired as server.ts wires it:
 * the runs module's follower, and sessions that record what the claim revoked.
 */
import { after, before, describe } from 'node:test';
import type { Transaction } from 'kysely';
import { createId } from '../../../src/crypto/random-id.js';
import { createThreadsModule } from '../../../src/modules/threads/index.js';
import type { MessagesRepository } from '../../../src/modules/threads/messages-repository.js';
import type { ClaimedFamily, ClaimSessions } from '../../../src/modules/threads/threads-ports.js';
import type { ThreadsRepository } from '../../../src/modules/threads/threads-repository.js';
import type { ThreadsService } from '../../../src/modules/threads/threads-service.js';
import { runsFollowerOf } from '../../../src/modules/runs/index.js';
import { createRunsRepository, type RunsRepository } from '../../../src/modules/runs/runs-repository.js';
import type { RunsDatabase } from '../../../src/modules/runs/runs-tables.js';
import { storeContextOf } from '../../../src/store/kysely-store.js';
import type { Store } from '../../../src/store/store.js';
import { countRows, type MakeStore } from '../../helpers/module-databases.js';
import { appendCases } from './append-cases.js';
import { messageCases } from './messages-repository-cases.js';
import { runLeaseCases } from './run-leases-cases.js';
import { threadCases } from './threads-repository-cases.js';

/**
 * Both repositories of the module as one object, with deleteThread and moveThreads each run in a
 * transaction of their own (the service runs them in its own, with other writes).
 */
export type Repos = Omit<ThreadsRepository, 'deleteThread' | 'moveThreads' | 'transaction'> &
  MessagesRepository & {
    deleteThread(projectId: string, workspaceId: string, threadId: string): Promise<boolean>;
    moveThreads(projectId: string, fromWorkspaceId: string, toWorkspaceId: string): Promise<number>;
  };

/** Sessions for the claim: families by refresh token, and what the claim did with them. */
export interface FakeSessions extends ClaimSessions {
  families: Map<string, ClaimedFamily>;
  /** Families revoked, in the order the claim's transactions revoked them (rolled back ones too). */
  revoked: string[];
  /** How often `familyRevoked` was told (after a commit). */
  announced: number;
  /** When set, `revokeFamily` throws it (after its write), so the claim's transaction rolls back. */
  failRevoke?: Error;
}

/** A clock the suite moves by hand, so ties in time are made on purpose. */
export interface FakeClock {
  now: number;
}

export interface CaseContext {
  /** The repositories under test, on the fake clock. */
  repo: Repos;
  /** The same over a second store on the same database, as another process would have. */
  peer: Repos;
  /** The service over `repo`'s store, with the runs module's follower and `sessions`. */
  service: ThreadsService;
  sessions: FakeSessions;
  /** The runs module's repository on the same database (telemetry that follows threads). */
  runs: RunsRepository;
  dialect: Store['dialect'];
  clock: FakeClock;
  extras: {
    /** Rows of `table` with this `project_id`, read past the repositories. */
    countRows(table: string, projectId: string): Promise<number>;
  };
}

/** A fresh project and workspace: nothing else in the database belongs to them. */
export function scope() {
  return { projectId: createId('proj'), workspaceId: createId('ws') };
}

function createFakeSessions(): FakeSessions {
  const sessions: FakeSessions = {
    families: new Map(),
    revoked: [],
    announced: 0,
    async resolveFamily(refreshToken) {
      const family = sessions.families.get(refreshToken);
      if (family === undefined) throw new Error(`no family for ${refreshToken}`);
      return family;
    },
    async revokeFamily(_trx: Transaction<any>, _projectId, familyId) {
      sessions.revoked.push(familyId);
      if (sessions.failRevoke !== undefined) throw sessions.failRevoke;
    },
    async familyRevoked() {
      sessions.announced++;
    },
  };
  return sessions;
}

function reposOf(threads: ThreadsRepository, messages: MessagesRepository): Repos {
  return {
    ...threads,
    ...messages,
    deleteThread: (projectId, workspaceId, threadId) => threads.transaction((trx) => threads.deleteThread(trx, projectId, workspaceId, threadId)),
    moveThreads: (projectId, from, to) => threads.transaction((trx) => threads.moveThreads(trx, projectId, from, to)),
  };
}

export function runThreadsCases(name: string, makeStore: MakeStore): void {
  describe(`threads repositories (${name})`, () => {
    const clock: FakeClock = { now: 1_700_000_000_000 };
    const stores: Store[] = [];
    let ctx: CaseContext | undefined;
    const get = (): CaseContext => {
      if (ctx === undefined) throw new Error('threads cases: before() did not run');
      return ctx;
    };

    before(async () => {
      const store = await makeStore({ clock: () => clock.now });
      const other = await makeStore({ clock: () => clock.now });
      stores.push(store, other);
      const sessions = createFakeSessions();
      const main = createThreadsModule({ store, clock: () => clock.now, sessions, followers: [runsFollowerOf(store)] });
      const peer = createThreadsModule({ store: other, clock: () => clock.now });
      ctx = {
        repo: reposOf(main.threads, main.messages),
        peer: reposOf(peer.threads, peer.messages),
        service: main.service,
        sessions,
        runs: createRunsRepository(storeContextOf<RunsDatabase>(store)),
        dialect: store.dialect,
        clock,
        extras: { countRows: (table, projectId) => countRows(store, table, projectId) },
      };
    });

    after(async () => {
      for (const store of stores) await store.close();
    });

    threadCases(get);
    messageCases(get);
    appendCases(get);
    runLeaseCases(get);
  });
}
