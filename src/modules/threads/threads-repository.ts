/**
 * The threads repository: every query is bounded by project and workspace, so an id from another
 * workspace finds nothing. Lists are keyset-paginated on (last_message_at, id), both descending.
 * The two project-wide reads (listProjectThreads, getProjectThread) are bounded by project only:
 * they serve the backend routes of an API key (`/v1/projects/threads`), which read across
 * workspaces.
 *
 * deleteThread and moveThreads write inside a transaction the caller runs (`transaction`): the
 * threads service adds, in the same transaction, what other modules keep about the threads (runs'
 * telemetry) and, for a claim, the revocation of the anonymous session.
 */
import type { Transaction } from 'kysely';
import { Conflict } from '../../errors.js';
import { createId } from '../../crypto/random-id.js';
import { writeFlag, writeJson } from '../../store/rows.js';
import { checkLimit, type StoreContext } from '../../store/store-context.js';
import { toThread, type ThreadsDatabase, type ThreadsTable } from './threads-tables.js';
import type { ListProjectThreadsQuery, ListThreadsQuery, NewThread, Thread, ThreadPatch } from './threads-types.js';

/** A transaction over the threads module's tables (`ThreadsRepository.transaction`). */
export type ThreadsTransaction = Transaction<ThreadsDatabase>;

export interface ThreadsRepository {
  createThread(input: NewThread): Promise<Thread>;
  getThread(projectId: string, workspaceId: string, threadId: string): Promise<Thread | undefined>;
  findThreadByExternalId(projectId: string, workspaceId: string, externalId: string): Promise<Thread | undefined>;
  /** Most recent `lastMessageAt` first, then id. */
  listThreads(query: ListThreadsQuery): Promise<Thread[]>;
  updateThread(projectId: string, workspaceId: string, threadId: string, patch: ThreadPatch): Promise<Thread | undefined>;
  /** Threads of every workspace of the project, in the order of `listThreads`. */
  listProjectThreads(query: ListProjectThreadsQuery): Promise<Thread[]>;
  /** A thread of the project, whatever its workspace (project-wide reads only). */
  getProjectThread(projectId: string, threadId: string): Promise<Thread | undefined>;
  /** Deletes the thread with its messages and feedback, within `trx`. False when it did not exist. */
  deleteThread(trx: ThreadsTransaction, projectId: string, workspaceId: string, threadId: string): Promise<boolean>;
  /** Moves every thread of one workspace into another (anonymous claim), within `trx`. Returns how many moved. */
  moveThreads(trx: ThreadsTransaction, projectId: string, fromWorkspaceId: string, toWorkspaceId: string): Promise<number>;
  /** Runs `work` in one database transaction (SQLite: `BEGIN IMMEDIATE`), committed when it resolves. */
  transaction<T>(work: (trx: ThreadsTransaction) => Promise<T>): Promise<T>;
}

/**
 * @example
 * const threads = createThreadsRepository(storeContextOf<ThreadsDatabase>(store))
 */
export function createThreadsRepository(ctx: StoreContext<ThreadsDatabase>): ThreadsRepository {
  const { db } = ctx;

  /** The project's threads; one workspace's when it is named. */
  const threadsIn = (projectId: string, workspaceId: string | undefined) => {
    const inProject = db.selectFrom('threads').where('project_id', '=', projectId);
    return workspaceId === undefined ? inProject : inProject.where('workspace_id', '=', workspaceId);
  };
  const inWorkspace = (projectId: string, workspaceId: string) => threadsIn(projectId, workspaceId).selectAll();

  /**
   * One keyset page of a workspace's threads (or, without a workspace, the project's), newest
   * activity first. The cursor is resolved within the same bounds: another workspace's (or
   * project's) thread id is "unknown", and the page starts from the top.
   */
  async function pageOfThreads(workspaceId: string | undefined, query: ListProjectThreadsQuery & { externalId?: string }): Promise<Thread[]> {
    let select = threadsIn(query.projectId, workspaceId).selectAll();
    if (query.isArchived !== undefined) select = select.where('is_archived', '=', writeFlag(query.isArchived));
    if (query.externalId !== undefined) select = select.where('external_id', '=', query.externalId);
    if (query.after !== undefined) {
      const cursor = await threadsIn(query.projectId, workspaceId)
        .select(['last_message_at', 'id'])
        .where('id', '=', query.after)
        .executeTakeFirst();
      if (cursor !== undefined) {
        // A row-value comparison: both databases turn it into one index range, however deep the page.
        select = select.where((eb) =>
          eb(eb.refTuple('last_message_at', 'id'), '<', eb.tuple(cursor.last_message_at, cursor.id)),
        );
      }
    }
    const rows = await select
      .orderBy('last_message_at', 'desc')
      .orderBy('id', 'desc')
      .limit(checkLimit(query.limit))
      .execute();
    return rows.map(toThread);
  }

  return {
    async createThread(input) {
      const now = ctx.clock();
      const row: ThreadsTable = {
        id: createId('thread', now),
        project_id: input.projectId,
        workspace_id: input.workspaceId,
        title: input.title,
        last_message_at: input.lastMessageAt,
        metadata: writeJson(input.metadata),
        external_id: input.externalId,
        is_archived: 0,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('threads').values(row).execute();
      } catch (error) {
        // Two requests creating the same external_id at once: the route checked first, and the
        // loser of the race learns it here, as the 409 it would have got a moment later.
        if (ctx.hooks.isUniqueViolation(error)) {
          throw new Conflict({ message: 'A thread with this external_id already exists.', cause: error });
        }
        throw error;
      }
      return toThread(row);
    },

    async getThread(projectId, workspaceId, threadId) {
      const row = await inWorkspace(projectId, workspaceId).where('id', '=', threadId).executeTakeFirst();
      return row === undefined ? undefined : toThread(row);
    },

    async findThreadByExternalId(projectId, workspaceId, externalId) {
      const row = await inWorkspace(projectId, workspaceId).where('external_id', '=', externalId).executeTakeFirst();
      return row === undefined ? undefined : toThread(row);
    },

    listThreads: (query) => pageOfThreads(query.workspaceId, query),

    listProjectThreads: (query) => pageOfThreads(undefined, query),

    async getProjectThread(projectId, threadId) {
      const row = await db.selectFrom('threads').selectAll().where('project_id', '=', projectId).where('id', '=', threadId).executeTakeFirst();
      return row === undefined ? undefined : toThread(row);
    },

    async updateThread(projectId, workspaceId, threadId, patch) {
      const row = await db
        .updateTable('threads')
        .set({
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.lastMessageAt !== undefined ? { last_message_at: patch.lastMessageAt } : {}),
          ...(patch.metadata !== undefined ? { metadata: writeJson(patch.metadata) } : {}),
          ...(patch.isArchived !== undefined ? { is_archived: writeFlag(patch.isArchived) } : {}),
          updated_at: ctx.clock(),
        })
        .where('project_id', '=', projectId)
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', threadId)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toThread(row);
    },

    async deleteThread(trx, projectId, workspaceId, threadId) {
      // The thread goes first: that checks the workspace (messages carry none) and, on
      // PostgreSQL, locks the row so a concurrent appendMessage waits and then finds no thread.
      const deleted = await trx
        .deleteFrom('threads')
        .where('project_id', '=', projectId)
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', threadId)
        .executeTakeFirst();
      if (deleted.numDeletedRows === 0n) return false;
      await trx.deleteFrom('message_feedback').where('project_id', '=', projectId).where('thread_id', '=', threadId).execute();
      await trx.deleteFrom('messages').where('project_id', '=', projectId).where('thread_id', '=', threadId).execute();
      return true;
    },

    async moveThreads(trx, projectId, fromWorkspaceId, toWorkspaceId) {
      if (fromWorkspaceId === toWorkspaceId) return 0;
      // external_id is unique per workspace. When both workspaces used one, the thread already
      // there keeps it and the moved one loses it: the moved thread and its messages survive,
      // only the upsert key is dropped (the alternative, leaving it behind, would strand it in
      // a workspace whose session is about to be revoked).
      await trx
        .updateTable('threads')
        .set({ external_id: null })
        .where('project_id', '=', projectId)
        .where('workspace_id', '=', fromWorkspaceId)
        .where('external_id', 'in', (eb) =>
          eb
            .selectFrom('threads as target')
            .select('target.external_id')
            .where('target.project_id', '=', projectId)
            .where('target.workspace_id', '=', toWorkspaceId)
            .where('target.external_id', 'is not', null),
        )
        .execute();
      const moved = await trx
        .updateTable('threads')
        .set({ workspace_id: toWorkspaceId, updated_at: ctx.clock() })
        .where('project_id', '=', projectId)
        .where('workspace_id', '=', fromWorkspaceId)
        .executeTakeFirst();
      return Number(moved.numUpdatedRows);
    },

    transaction: (work) => db.transaction().execute(work),
  };
}
