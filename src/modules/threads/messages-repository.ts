/**
 * The messages repository: messages and their feedback. A thread's messages form a tree
 * (`parent_id`, `height`); every change to it runs in a transaction that first locks the thread
 * row (lockThread below), so the checks it makes still hold when it writes.
 *
 * These methods take the project and thread, not the workspace: the caller has resolved the thread
 * within its workspace already (threads-service.ts). appendMessage checks the workspace again,
 * inside its transaction, because it is the one that writes to the thread row.
 */
import type { Transaction } from 'kysely';
import { NotFound } from '../../errors.js';
import { createId, createSecret } from '../../crypto/random-id.js';
import type { Json } from '../../store/store.js';
import { writeJson } from '../../store/rows.js';
import { checkLimit, type StoreContext } from '../../store/store-context.js';
import { toFeedback, toMessage, type MessagesTable, type ThreadsDatabase } from './threads-tables.js';
import type {
  AppendResult,
  EndRunResult,
  Feedback,
  HeartbeatRunResult,
  ListMessagesQuery,
  Message,
  NewMessage,
  RunEndReason,
  UpdateMessageResult,
} from './threads-types.js';

export interface MessagesRepository {
  /** Inserts a message, computing `height` from its parent, and bumps the thread's `lastMessageAt`. Atomic. */
  appendMessage(input: NewMessage): Promise<AppendResult>;
  getMessage(projectId: string, threadId: string, messageId: string): Promise<Message | undefined>;
  /** Newest first (created_at, then id), as the hosted service returns them. */
  listMessages(query: ListMessagesQuery): Promise<Message[]>;
  /**
   * Replaces the content; refuses when the message has children. With `leaseId`, writes as the
   * holder of that run lease, which renews it, and refuses when the message does not hold it or it
   * has ended. Atomic.
   */
  updateMessage(projectId: string, threadId: string, messageId: string, content: Json, leaseId?: string): Promise<UpdateMessageResult>;
  /** The message of the thread holding this run lease, running or ended. */
  findMessageByLease(projectId: string, threadId: string, leaseId: string): Promise<Message | undefined>;
  /** Records a beat of a running lease. One conditional write: never renews an ended lease. */
  heartbeatRun(projectId: string, threadId: string, leaseId: string): Promise<HeartbeatRunResult>;
  /** Ends a running lease with `reason`; ending an ended one changes nothing and reports its first reason. */
  endRun(projectId: string, threadId: string, leaseId: string, reason: RunEndReason): Promise<EndRunResult>;
  /** Deletes the listed messages of this thread and every descendant of them. Returns how many went. */
  deleteMessages(projectId: string, threadId: string, messageIds: readonly string[]): Promise<number>;
  /** One feedback per user and message; a second one replaces the first. */
  putFeedback(input: { projectId: string; threadId: string; messageId: string; userId: string; type: 'positive' | 'negative'; comment: string | null }): Promise<Feedback>;
}

/**
 * Takes the write lock on one thread's row (PostgreSQL) and says whether the thread exists. Every
 * change to a thread's messages takes it first, so "has children?", "is the parent still there?"
 * and "which descendants go?" are answered with no other writer of that thread in between.
 */
async function lockThread(ctx: StoreContext<ThreadsDatabase>, trx: Transaction<ThreadsDatabase>, projectId: string, threadId: string): Promise<boolean> {
  let query = trx.selectFrom('threads').select('id').where('project_id', '=', projectId).where('id', '=', threadId);
  if (ctx.hooks.rowLocks) query = query.forUpdate();
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * A new run lease's id. Random rather than time-ordered: the id is what its holder writes with, so
 * nobody should derive one from another (ids made in the same millisecond by createId differ by one).
 */
const newLeaseId = () => `lease_${createSecret(16)}`;

/** Thrown inside a transaction to roll it back with an expected outcome. */
class Refused extends Error {
  constructor(readonly reason: Extract<AppendResult, { ok: false }>['reason']) {
    super(reason);
  }
}

/**
 * Keeps each statement's bound parameters well under SQLite's limit (32766) and PostgreSQL's
 * (65535), whatever number of ids a caller sends.
 */
const IDS_PER_STATEMENT = 500;

/** Deletes `rootIds` of the thread and all their descendants, feedback first. */
async function deleteSubtrees(trx: Transaction<ThreadsDatabase>, projectId: string, threadId: string, rootIds: readonly string[]): Promise<number> {
  // A recursive CTE works on both databases and, unlike ON DELETE CASCADE, has no depth limit
  // (SQLite stops cascading at 1000 levels). UNION, not UNION ALL: a cycle cannot loop forever.
  const doomed = () =>
    trx.withRecursive('doomed(id)', (qb) =>
      qb
        .selectFrom('messages')
        .select('messages.id')
        .where('messages.project_id', '=', projectId)
        .where('messages.thread_id', '=', threadId)
        .where('messages.id', 'in', rootIds)
        .union((eb) =>
          eb
            .selectFrom('messages as child')
            .innerJoin('doomed', 'doomed.id', 'child.parent_id')
            .select('child.id')
            .where('child.project_id', '=', projectId)
            .where('child.thread_id', '=', threadId),
        ),
    );
  await doomed()
    .deleteFrom('message_feedback')
    .where('project_id', '=', projectId)
    .where('message_id', 'in', (eb) => eb.selectFrom('doomed').select('doomed.id'))
    .execute();
  const deleted = await doomed()
    .deleteFrom('messages')
    .where('project_id', '=', projectId)
    .where('id', 'in', (eb) => eb.selectFrom('doomed').select('doomed.id'))
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/**
 * @example
 * const messages = createMessagesRepository(storeContextOf<ThreadsDatabase>(store))
 */
export function createMessagesRepository(ctx: StoreContext<ThreadsDatabase>): MessagesRepository {
  const { db } = ctx;

  const inThread = (projectId: string, threadId: string) =>
    db.selectFrom('messages').selectAll().where('project_id', '=', projectId).where('thread_id', '=', threadId);
  /** The lease's state, read after a conditional write found no running lease to change. */
  const leaseState = (projectId: string, threadId: string, leaseId: string) =>
    db
      .selectFrom('messages')
      .select(['run_ended_at', 'run_end_reason'])
      .where('project_id', '=', projectId)
      .where('thread_id', '=', threadId)
      .where('run_lease_id', '=', leaseId)
      .executeTakeFirst();

  return {
    async appendMessage(input) {
      const now = ctx.clock();
      try {
        return await db.transaction().execute(async (trx) => {
          // Bumping the thread first checks that it is in this workspace and, on PostgreSQL,
          // locks it: deleteMessages cannot remove the parent between our check and our insert.
          const thread = await trx
            .updateTable('threads')
            .set({ last_message_at: now, updated_at: now })
            .where('project_id', '=', input.projectId)
            .where('workspace_id', '=', input.workspaceId)
            .where('id', '=', input.threadId)
            .returning('id')
            .executeTakeFirst();
          if (thread === undefined) throw new Refused('thread_not_found');

          const siblings = trx
            .selectFrom('messages')
            .select(['id', 'height'])
            .where('project_id', '=', input.projectId)
            .where('thread_id', '=', input.threadId);
          let parent: { id: string; height: number } | undefined;
          if (input.parentId !== null) {
            parent = await siblings.where('id', '=', input.parentId).executeTakeFirst();
            if (parent === undefined) throw new Refused('parent_not_found');
          } else if (input.parentExternalId !== undefined) {
            // Only when no parentId is given: an explicit id always wins. external_id is not
            // unique within a thread; the newest message carrying it wins.
            parent = await siblings
              .where('external_id', '=', input.parentExternalId)
              .orderBy('created_at', 'desc')
              .orderBy('id', 'desc')
              .limit(1)
              .executeTakeFirst();
            if (parent === undefined) throw new Refused('parent_not_found');
          }

          const row: MessagesTable = {
            id: createId('msg', now),
            project_id: input.projectId,
            thread_id: input.threadId,
            parent_id: parent?.id ?? null,
            height: parent === undefined ? 0 : Number(parent.height) + 1,
            format: input.format,
            content: writeJson(input.content),
            external_id: input.externalId,
            created_at: now,
            updated_at: now,
            run_lease_id: input.openRun === true ? newLeaseId() : null,
            run_heartbeat_at: input.openRun === true ? now : null,
            run_ended_at: null,
            run_end_reason: null,
          };
          await trx.insertInto('messages').values(row).execute();
          return { ok: true, message: toMessage(row) } as const;
        });
      } catch (error) {
        if (error instanceof Refused) return { ok: false, reason: error.reason };
        throw error;
      }
    },

    async getMessage(projectId, threadId, messageId) {
      const row = await inThread(projectId, threadId).where('id', '=', messageId).executeTakeFirst();
      return row === undefined ? undefined : toMessage(row);
    },

    async listMessages(query) {
      let select = inThread(query.projectId, query.threadId);
      if (query.format !== undefined) select = select.where('format', '=', query.format);
      if (query.after !== undefined) {
        const cursor = await db
          .selectFrom('messages')
          .select(['created_at', 'id'])
          .where('project_id', '=', query.projectId)
          .where('thread_id', '=', query.threadId)
          .where('id', '=', query.after)
          .executeTakeFirst();
        if (cursor !== undefined) {
          select = select.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.created_at, cursor.id)));
        }
      }
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(checkLimit(query.limit)).execute();
      return rows.map(toMessage);
    },

    async updateMessage(projectId, threadId, messageId, content, leaseId) {
      return db.transaction().execute(async (trx) => {
        // The lock makes "no children" still true when we write: appendMessage takes it too.
        if (!(await lockThread(ctx, trx, projectId, threadId))) return 'not_found';
        const message = await trx
          .selectFrom('messages')
          .select(['id', 'run_lease_id', 'run_ended_at'])
          .where('project_id', '=', projectId)
          .where('thread_id', '=', threadId)
          .where('id', '=', messageId)
          .executeTakeFirst();
        if (message === undefined) return 'not_found';
        if (leaseId !== undefined) {
          if (message.run_lease_id !== leaseId) return 'lease_mismatch';
          if (message.run_ended_at !== null) return 'run_ended';
        }
        const child = await trx
          .selectFrom('messages')
          .select('id')
          .where('project_id', '=', projectId)
          .where('thread_id', '=', threadId)
          .where('parent_id', '=', messageId)
          .limit(1)
          .executeTakeFirst();
        if (child !== undefined) return 'has_children';
        const now = ctx.clock();
        let write = trx
          .updateTable('messages')
          .set({ content: writeJson(content), updated_at: now, ...(leaseId !== undefined ? { run_heartbeat_at: now } : {}) })
          .where('project_id', '=', projectId)
          .where('id', '=', messageId);
        // The thread lock does not keep out heartbeatRun and endRun (they write no content): the
        // write itself checks that the lease still runs, so an end that came first always wins.
        if (leaseId !== undefined) write = write.where('run_lease_id', '=', leaseId).where('run_ended_at', 'is', null);
        const written = await write.executeTakeFirst();
        return written.numUpdatedRows === 0n ? 'run_ended' : 'updated';
      });
    },

    async findMessageByLease(projectId, threadId, leaseId) {
      const row = await inThread(projectId, threadId).where('run_lease_id', '=', leaseId).executeTakeFirst();
      return row === undefined ? undefined : toMessage(row);
    },

    async heartbeatRun(projectId, threadId, leaseId) {
      // One conditional write, so two processes beating and ending the same lease never revive it.
      const renewed = await db
        .updateTable('messages')
        .set({ run_heartbeat_at: ctx.clock() })
        .where('project_id', '=', projectId)
        .where('thread_id', '=', threadId)
        .where('run_lease_id', '=', leaseId)
        .where('run_ended_at', 'is', null)
        .executeTakeFirst();
      if (renewed.numUpdatedRows > 0n) return 'renewed';
      return (await leaseState(projectId, threadId, leaseId)) === undefined ? 'not_found' : 'ended';
    },

    async endRun(projectId, threadId, leaseId, reason) {
      // Only a running lease is ended: the first end's reason and time stay, whoever ends it again.
      const ended = await db
        .updateTable('messages')
        .set({ run_ended_at: ctx.clock(), run_end_reason: reason })
        .where('project_id', '=', projectId)
        .where('thread_id', '=', threadId)
        .where('run_lease_id', '=', leaseId)
        .where('run_ended_at', 'is', null)
        .executeTakeFirst();
      if (ended.numUpdatedRows > 0n) return { ok: true, reason };
      const state = await leaseState(projectId, threadId, leaseId);
      if (state === undefined) return { ok: false, reason: 'not_found' };
      return { ok: true, reason: state.run_end_reason ?? reason };
    },

    async deleteMessages(projectId, threadId, messageIds) {
      const unique = [...new Set(messageIds)];
      if (unique.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        // Locked, no reply can be appended under a message while its subtree is being deleted.
        if (!(await lockThread(ctx, trx, projectId, threadId))) return 0;
        let deleted = 0;
        for (let i = 0; i < unique.length; i += IDS_PER_STATEMENT) {
          deleted += await deleteSubtrees(trx, projectId, threadId, unique.slice(i, i + IDS_PER_STATEMENT));
        }
        return deleted;
      });
    },

    async putFeedback(input) {
      const now = ctx.clock();
      return db.transaction().execute(async (trx) => {
        // Checked under the thread lock, so feedback never outlives a message deleted meanwhile.
        const exists =
          (await lockThread(ctx, trx, input.projectId, input.threadId)) &&
          (await trx
            .selectFrom('messages')
            .select('id')
            .where('project_id', '=', input.projectId)
            .where('thread_id', '=', input.threadId)
            .where('id', '=', input.messageId)
            .executeTakeFirst()) !== undefined;
        if (!exists) throw new NotFound({ message: 'No such message.' });
        // One row per (message, user): a second feedback replaces the first and keeps its id.
        const row = await trx
          .insertInto('message_feedback')
          .values({
            id: createId('feedback', now),
            project_id: input.projectId,
            thread_id: input.threadId,
            message_id: input.messageId,
            user_id: input.userId,
            type: input.type,
            comment: input.comment,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc.columns(['message_id', 'user_id']).doUpdateSet({ type: input.type, comment: input.comment, updated_at: now }),
          )
          .returning(['id', 'message_id', 'type', 'comment'])
          .executeTakeFirstOrThrow();
        return toFeedback(row);
      });
    },
  };
}
