/**
 * The records of the threads module: threads, their messages (a tree), feedback and run leases,
 * as the repositories return them and the routes send them (http/wire.ts). Every query is bounded
 * by project and, for threads, workspace (threads-repository.ts says how).
 *
 * Times are milliseconds since the epoch. JSON fields are plain values (the repositories serialize them).
 */
import type { Json } from '../../store/store.js';

export interface Thread {
  id: string;
  projectId: string;
  workspaceId: string;
  title: string;
  lastMessageAt: number;
  metadata: Json;
  externalId: string | null;
  isArchived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: string;
  projectId: string;
  threadId: string;
  parentId: string | null;
  height: number;
  format: string;
  content: Json;
  externalId: string | null;
  createdAt: number;
  updatedAt: number;
  /** Set on a message that had a run lease (opened with `openRun`). */
  run?: MessageRun;
}

/** Why a run lease ended. */
export type RunEndReason = 'done' | 'cancelled' | 'error';

/**
 * A message's run lease: opened with the message, renewed by heartbeats and by writes carrying it,
 * ended by its holder. The store never ends one by itself.
 */
export interface MessageRun {
  leaseId: string;
  status: 'running' | 'ended';
  /** The last beat: the opening, a heartbeat, or a write carrying the lease. */
  lastHeartbeatAt: number;
  /** The first end's reason; null while running. */
  endReason: RunEndReason | null;
}

export interface Feedback {
  id: string;
  messageId: string;
  type: 'positive' | 'negative';
  comment: string | null;
}

export interface ListThreadsQuery {
  projectId: string;
  workspaceId: string;
  /** Omitted: both archived and not (the HTTP lists always name one). */
  isArchived?: boolean;
  externalId?: string;
  limit: number;
  /** Keyset cursor: a thread id; rows after it in the list order. Unknown id: from the start. */
  after?: string;
}

/** The threads of every workspace of a project (`GET /v1/projects/threads`). */
export interface ListProjectThreadsQuery {
  projectId: string;
  /** Omitted: both archived and not (the HTTP list always names one). */
  isArchived?: boolean;
  limit: number;
  /** Keyset cursor: a thread id of the project; rows after it in the list order. Unknown id: from the start. */
  after?: string;
}

export interface ListMessagesQuery {
  projectId: string;
  threadId: string;
  format?: string;
  limit: number;
  /** Keyset cursor: a message id; rows after it in the list order. Unknown id: from the start. */
  after?: string;
}

export interface NewThread {
  projectId: string;
  workspaceId: string;
  title: string;
  lastMessageAt: number;
  metadata: Json;
  externalId: string | null;
}

export interface ThreadPatch {
  title?: string;
  lastMessageAt?: number;
  metadata?: Json;
  isArchived?: boolean;
}

export interface NewMessage {
  projectId: string;
  workspaceId: string;
  threadId: string;
  /** Parent message id (null for a root), or resolve the parent by `parentExternalId`. */
  parentId: string | null;
  parentExternalId?: string;
  format: string;
  content: Json;
  externalId: string | null;
  /** Opens a run lease on the new message, in the same transaction. */
  openRun?: boolean;
}

/** Result of appending: the message, or why not (unknown thread or parent). */
export type AppendResult =
  | { ok: true; message: Message }
  | { ok: false; reason: 'thread_not_found' | 'parent_not_found' };

/**
 * `lease_mismatch`: a lease was named and the message does not hold it (another lease, or none);
 * `run_ended`: the message holds that lease and it has ended.
 */
export type UpdateMessageResult = 'updated' | 'not_found' | 'has_children' | 'lease_mismatch' | 'run_ended';

/** A heartbeat's outcome: renewed, the lease has ended, or no message of the thread holds it. */
export type HeartbeatRunResult = 'renewed' | 'ended' | 'not_found';

/** An end's outcome: the reason the lease ended with (the first end's), or not found. */
export type EndRunResult = { ok: true; reason: RunEndReason } | { ok: false; reason: 'not_found' };

