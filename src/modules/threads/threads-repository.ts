/**
 * Threads: every query is bounded by project and workspace, so an id from another workspace finds
 * nothing. Lists are keyset-paginated on (last_message_at, id), both descending. The two
 * project-wide reads (listProjectThreads, getProjectThread) are bounded by project only: they serve
 * the backend routes of an API key (`/v1/projects/threads`), which read across workspaces.
 */
import { Conflict } from '../errors.js';
import { createId } from '../crypto/random-id.js';
import type { ThreadsTable } from './database.js';
import { toThread, writeFlag, writeJson } from './rows.js';
import { checkLimit, type StoreContext } from './store-context.js';
import type { ListProjectThreadsQuery, Store, Thread } from './store.js';

export type ThreadMethods = Pick<
  Store,
  | 'createThread'
  | 'getThread'
  | 'findThreadByExternalId'
  | 'listThreads'
  | 'listProjectThreads'
  | 'getProjectThread'
  | 'updateThread'
  | 'deleteThread'
  | 'moveThreads'
>;

/** The thread methods of the store, over `ctx.db`. */
export function threadMethods(ctx: StoreContext): ThreadMethods {
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

    async deleteThread(projectId, workspaceId, threadId) {
      return db.transaction().execute(async (trx) => {
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
        // A deleted conversation's run reports, events and scores go with it: they describe it.
        for (const table of ['runs', 'events', 'scores'] as const) {
          await trx.deleteFrom(table).where('project_id', '=', projectId).where('thread_id', '=', threadId).execute();
        }
        return true;
      });
    },

    async moveThreads(projectId, fromWorkspaceId, toWorkspaceId) {
      if (fromWorkspaceId === toWorkspaceId) return 0;
      return db.transaction().execute(async (trx) => {
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
        // The telemetry of the claimed identity belongs to the same workspace as its threads.
        for (const table of ['runs', 'events', 'scores'] as const) {
          await trx
            .updateTable(table)
            .set({ workspace_id: toWorkspaceId })
            .where('project_id', '=', projectId)
            .where('workspace_id', '=', fromWorkspaceId)
            .execute();
        }
        return Number(moved.numUpdatedRows);
      });
    },
  };
}
