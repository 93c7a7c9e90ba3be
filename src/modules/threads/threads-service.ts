/**
 * The threads module's rules, between its routes and its repositories: upsert by `external_id`,
 * titles, the anonymous claim, run leases, and what a refused write answers. Every workspace call
 * resolves the thread within the caller's workspace first, so another workspace's thread answers
 * 404 like one that never existed.
 *
 * The pass-through methods (getThread, listMessages, appendMessage, updateMessage, endRun) keep the
 * repositories' signatures and outcomes: other modules (agents, runs) call them with the project
 * and workspace they have already checked.
 */
import { AuthError, Conflict, NotFound, PolicyDenied, RefreshTokenInvalid, ThreadgateError, ValidationFailed } from '../../errors.js';
import type { Json } from '../../store/store.js';
import type { MessagesRepository } from './messages-repository.js';
import type { ClaimedFamily, ClaimSessions, ThreadFollower } from './threads-ports.js';
import type { ThreadsRepository } from './threads-repository.js';
import type {
  Feedback,
  ListMessagesQuery,
  ListProjectThreadsQuery,
  ListThreadsQuery,
  Message,
  MessageRun,
  RunEndReason,
  Thread,
  ThreadPatch,
  UpdateMessageResult,
} from './threads-types.js';

/** Whose threads: a principal's project and workspace. */
export interface ThreadScope {
  projectId: string;
  workspaceId: string;
}

/** What a stored title holds at most (PUT /v1/threads/{id} accepts as much). */
export const MAX_STORED_TITLE = 1000;

export interface NewThreadInput {
  title?: string;
  /** Default: now. */
  lastMessageAt?: number;
  metadata?: Json;
  externalId?: string;
  /** With `externalId`: an existing thread carrying it is the answer instead of a conflict. */
  upsert?: boolean;
}

export interface NewMessageInput {
  parentId: string | null;
  /** Used only when `parentId` is null. */
  parentExternalId?: string;
  format: string;
  content: Json;
  externalId?: string;
  /** Opens a run lease on the new message. */
  openRun?: boolean;
  /** Writes, as the holder of this lease, the message that holds it instead of storing a new one. */
  leaseId?: string;
}

/** A stored message: a new one (with its lease when it opened one), or the leased one written again. */
export type CreatedMessage = { messageId: string; created: true; run?: MessageRun } | { messageId: string; created: false };

export interface ThreadsService {
  listThreads(query: ListThreadsQuery): Promise<Thread[]>;
  /** Creates a thread; with `upsert`, the one already carrying `externalId` is the answer (`created: false`). */
  createThread(scope: ThreadScope, input: NewThreadInput): Promise<{ threadId: string; created: boolean }>;
  getThread(projectId: string, workspaceId: string, threadId: string): Promise<Thread | undefined>;
  /** The thread, or `not_found`. */
  requireThread(scope: ThreadScope, threadId: string): Promise<Thread>;
  updateThread(scope: ThreadScope, threadId: string, patch: ThreadPatch): Promise<void>;
  /**
   * Stores a generated title (trimmed, without NUL, at most MAX_STORED_TITLE characters); an empty
   * one changes nothing, and neither does a thread that is gone by now.
   */
  storeTitle(scope: ThreadScope, threadId: string, title: string): Promise<void>;
  /** Deletes the thread with its messages, feedback and what other modules keep about it, in one transaction. */
  deleteThread(scope: ThreadScope, threadId: string): Promise<void>;
  /**
   * Moves every thread of the anonymous session behind `refreshToken` into the caller's workspace
   * and revokes that session, in one transaction. Returns how many threads moved.
   */
  claim(scope: ThreadScope, refreshToken: string): Promise<number>;
  listProjectThreads(query: ListProjectThreadsQuery): Promise<Thread[]>;
  /** A thread of the project, whatever its workspace, or `not_found` (project-wide reads only). */
  requireProjectThread(projectId: string, threadId: string): Promise<Thread>;

  listMessages(query: ListMessagesQuery): Promise<Message[]>;
  appendMessage: MessagesRepository['appendMessage'];
  updateMessage: MessagesRepository['updateMessage'];
  endRun: MessagesRepository['endRun'];
  /** Stores a message in the thread (see NewMessageInput); refusals are errors. */
  createMessage(scope: ThreadScope, threadId: string, input: NewMessageInput): Promise<CreatedMessage>;
  /** Replaces a message's content (as the holder of `leaseId` when given); refusals are errors. */
  editMessage(scope: ThreadScope, threadId: string, messageId: string, content: Json, leaseId?: string): Promise<void>;
  deleteMessages(scope: ThreadScope, threadId: string, messageIds: readonly string[]): Promise<void>;
  /** Records a user's feedback on a message; a blank comment is none. */
  putFeedback(scope: ThreadScope & { userId: string }, threadId: string, messageId: string, type: Feedback['type'], comment?: string): Promise<Feedback>;
  /** Records a beat of a running lease; `run_ended` after it ended, `not_found` for no such lease. */
  heartbeat(scope: ThreadScope, threadId: string, leaseId: string): Promise<void>;
  /** Ends a lease; ending an ended one succeeds. Resolves with the reason kept (the first end's). */
  endLease(scope: ThreadScope, threadId: string, leaseId: string, reason: RunEndReason): Promise<RunEndReason>;
}

export interface ThreadsServiceDeps {
  threads: ThreadsRepository;
  messages: MessagesRepository;
  sessions: ClaimSessions;
  /** Other modules' rows about threads, kept in step in the same transactions. */
  followers: readonly ThreadFollower[];
  clock: () => number;
}

const noSuchThread = () => new NotFound({ message: 'No such thread.' });
const noSuchLease = () => new NotFound({ message: 'No such run lease in this thread.' });

/** Turns a refused update into its error. */
function checkUpdated(outcome: UpdateMessageResult): void {
  if (outcome === 'not_found') throw new NotFound({ message: 'No such message.' });
  if (outcome === 'has_children') throw new Conflict({ message: 'The message already has replies; add a sibling instead of editing it.' });
  if (outcome === 'lease_mismatch') throw new ThreadgateError('lease_mismatch');
  if (outcome === 'run_ended') throw new ThreadgateError('run_ended');
}

/**
 * @example
 * const service = createThreadsService({ threads, messages, sessions, followers: [], clock: Date.now })
 */
export function createThreadsService(deps: ThreadsServiceDeps): ThreadsService {
  const { threads, messages, sessions, followers, clock } = deps;

  async function requireThread(scope: ThreadScope, threadId: string): Promise<Thread> {
    const thread = await threads.getThread(scope.projectId, scope.workspaceId, threadId);
    if (thread === undefined) throw noSuchThread();
    return thread;
  }

  /**
   * A create carrying a lease id (the client's "writes the message with external_id as the holder
   * of this lease"): the message holding the lease gets the new content, through the same
   * conditional write as an update, and keeps its place in the tree. Its id is the answer.
   */
  async function writeLeasedMessage(projectId: string, threadId: string, leaseId: string, input: NewMessageInput): Promise<string> {
    const message = await messages.findMessageByLease(projectId, threadId, leaseId);
    if (message === undefined || (input.externalId !== undefined && input.externalId !== message.externalId)) {
      throw new ThreadgateError('lease_mismatch');
    }
    if (input.format !== message.format) throw new ValidationFailed('format', 'must be the format of the message that holds the lease');
    checkUpdated(await messages.updateMessage(projectId, threadId, message.id, input.content, leaseId));
    return message.id;
  }

  return {
    listThreads: (query) => threads.listThreads(query),

    async createThread(scope, input) {
      if (input.externalId !== undefined) {
        const existing = await threads.findThreadByExternalId(scope.projectId, scope.workspaceId, input.externalId);
        if (existing !== undefined) {
          if (input.upsert === true) return { threadId: existing.id, created: false };
          throw new Conflict({ message: 'A thread with this external_id already exists (send upsert: true to reuse it).' });
        }
      }
      const thread = await threads.createThread({
        projectId: scope.projectId,
        workspaceId: scope.workspaceId,
        title: input.title ?? '',
        lastMessageAt: input.lastMessageAt ?? clock(),
        metadata: input.metadata ?? null,
        externalId: input.externalId ?? null,
      });
      return { threadId: thread.id, created: true };
    },

    getThread: (projectId, workspaceId, threadId) => threads.getThread(projectId, workspaceId, threadId),

    requireThread,

    async updateThread(scope, threadId, patch) {
      const updated = await threads.updateThread(scope.projectId, scope.workspaceId, threadId, patch);
      if (updated === undefined) throw noSuchThread();
    },

    async storeTitle(scope, threadId, title) {
      const stored = Array.from(title.trim().replace(/\u0000/g, '')).slice(0, MAX_STORED_TITLE).join('');
      if (stored !== '') await threads.updateThread(scope.projectId, scope.workspaceId, threadId, { title: stored });
    },

    async deleteThread(scope, threadId) {
      const deleted = await threads.transaction(async (trx) => {
        if (!(await threads.deleteThread(trx, scope.projectId, scope.workspaceId, threadId))) return false;
        for (const follower of followers) await follower.threadDeleted(trx, scope.projectId, threadId);
        return true;
      });
      if (!deleted) throw noSuchThread();
    },

    async claim(scope, refreshToken) {
      let family: ClaimedFamily;
      try {
        family = await sessions.resolveFamily(refreshToken);
      } catch (error) {
        // The code the refresh route answers for the same token (docs/credentials/anonymous.md), so a
        // client handles a spent anonymous refresh token one way; `field` says it is the body's token,
        // not the caller's credential, that was refused.
        if (error instanceof AuthError) {
          throw new RefreshTokenInvalid({
            message: 'The refresh_token is invalid, expired, spent or revoked; send the session\'s current refresh token.',
            fields: { field: 'refresh_token' },
            ...(error.detail !== undefined ? { detail: error.detail } : {}),
            cause: error,
          });
        }
        throw error;
      }
      if (family.projectId !== scope.projectId) throw new PolicyDenied({ message: 'The refresh token belongs to another project.' });
      if (family.workspaceId === scope.workspaceId) return 0;
      // One transaction: the threads (and what follows them) move, and the anonymous identity is
      // absorbed: its session ends, so it cannot reach the moved threads' new home. Either both
      // happen or neither does.
      const moved = await threads.transaction(async (trx) => {
        const count = await threads.moveThreads(trx, scope.projectId, family.workspaceId, scope.workspaceId);
        for (const follower of followers) await follower.workspaceMoved(trx, scope.projectId, family.workspaceId, scope.workspaceId);
        await sessions.revokeFamily(trx, scope.projectId, family.id, clock());
        return count;
      });
      await sessions.familyRevoked(family.id);
      return moved;
    },

    listProjectThreads: (query) => threads.listProjectThreads(query),

    async requireProjectThread(projectId, threadId) {
      const thread = await threads.getProjectThread(projectId, threadId);
      if (thread === undefined) throw noSuchThread();
      return thread;
    },

    listMessages: (query) => messages.listMessages(query),
    appendMessage: (input) => messages.appendMessage(input),
    updateMessage: (...args) => messages.updateMessage(...args),
    endRun: (...args) => messages.endRun(...args),

    async createMessage(scope, threadId, input) {
      const thread = await requireThread(scope, threadId);
      if (input.leaseId !== undefined) {
        if (input.openRun === true) throw new ValidationFailed('open_run', 'cannot open a run while writing as the holder of one (lease_id)');
        return { messageId: await writeLeasedMessage(scope.projectId, thread.id, input.leaseId, input), created: false };
      }
      const result = await messages.appendMessage({
        projectId: scope.projectId,
        workspaceId: scope.workspaceId,
        threadId: thread.id,
        parentId: input.parentId,
        ...(input.parentExternalId !== undefined && input.parentId === null ? { parentExternalId: input.parentExternalId } : {}),
        format: input.format,
        content: input.content,
        externalId: input.externalId ?? null,
        ...(input.openRun === true ? { openRun: true } : {}),
      });
      if (!result.ok) {
        if (result.reason === 'thread_not_found') throw noSuchThread();
        throw new ValidationFailed(input.parentId !== null ? 'parent_id' : 'parent_external_id', 'no such message in this thread');
      }
      const run = result.message.run;
      return { messageId: result.message.id, created: true, ...(run !== undefined ? { run } : {}) };
    },

    async editMessage(scope, threadId, messageId, content, leaseId) {
      const thread = await requireThread(scope, threadId);
      checkUpdated(await messages.updateMessage(scope.projectId, thread.id, messageId, content, leaseId));
    },

    async deleteMessages(scope, threadId, messageIds) {
      const thread = await requireThread(scope, threadId);
      await messages.deleteMessages(scope.projectId, thread.id, messageIds);
    },

    async putFeedback(scope, threadId, messageId, type, comment) {
      const thread = await requireThread(scope, threadId);
      const message = await messages.getMessage(scope.projectId, thread.id, messageId);
      if (message === undefined) throw new NotFound({ message: 'No such message.' });
      const trimmed = comment?.trim();
      return messages.putFeedback({
        projectId: scope.projectId,
        threadId: thread.id,
        messageId: message.id,
        userId: scope.userId,
        type,
        comment: trimmed === undefined || trimmed === '' ? null : trimmed,
      });
    },

    async heartbeat(scope, threadId, leaseId) {
      const thread = await requireThread(scope, threadId);
      const outcome = await messages.heartbeatRun(scope.projectId, thread.id, leaseId);
      if (outcome === 'not_found') throw noSuchLease();
      if (outcome === 'ended') throw new ThreadgateError('run_ended');
    },

    async endLease(scope, threadId, leaseId, reason) {
      const thread = await requireThread(scope, threadId);
      const outcome = await messages.endRun(scope.projectId, thread.id, leaseId, reason);
      if (!outcome.ok) throw noSuchLease();
      return outcome.reason;
    },
  };
}
