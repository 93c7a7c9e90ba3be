/**
 * The tables the threads module owns (`threads`, `messages`, `message_feedback`), exactly as both
 * databases hold them (store/database.ts says how times, flags and JSON are stored), and their rows
 * as the records of threads-types.ts. Only this module's repositories name them.
 */
import type { Selectable } from 'kysely';
import type { Flag } from '../../store/database.js';
import { readFlag, readJson, readTime } from '../../store/rows.js';
import type { Feedback, Message, MessageRun, RunEndReason, Thread } from './threads-types.js';

/** The `threads` table. */
export interface ThreadsTable {
  id: string;
  project_id: string;
  workspace_id: string;
  title: string;
  last_message_at: number;
  /** JSON text. */
  metadata: string;
  external_id: string | null;
  is_archived: Flag;
  created_at: number;
  updated_at: number;
}

/** The `messages` table. */
export interface MessagesTable {
  id: string;
  project_id: string;
  thread_id: string;
  parent_id: string | null;
  /** Depth in the message tree: 0 for a root, parent's height + 1 otherwise. */
  height: number;
  format: string;
  /** JSON text. */
  content: string;
  external_id: string | null;
  created_at: number;
  updated_at: number;
  /** The run lease (migration 004): its id, null for a message that never had one. */
  run_lease_id: string | null;
  /** The lease's last beat (its opening, a heartbeat or a write carrying it). */
  run_heartbeat_at: number | null;
  /** When the lease ended; null while it runs. */
  run_ended_at: number | null;
  /** `done`, `cancelled` or `error`: the first end's reason. */
  run_end_reason: RunEndReason | null;
}

/** The `message_feedback` table. */
export interface MessageFeedbackTable {
  id: string;
  project_id: string;
  thread_id: string;
  message_id: string;
  user_id: string;
  type: 'positive' | 'negative';
  comment: string | null;
  created_at: number;
  updated_at: number;
}

/** The threads module's tables, as Kysely sees them. */
export interface ThreadsDatabase {
  threads: ThreadsTable;
  messages: MessagesTable;
  message_feedback: MessageFeedbackTable;
}

/** A `threads` row as a `Thread`. */
export function toThread(row: Selectable<ThreadsTable>): Thread {
  return {
    id: row.id,
    projectId: row.project_id,
    workspaceId: row.workspace_id,
    title: row.title,
    lastMessageAt: readTime(row.last_message_at),
    metadata: readJson(row.metadata),
    externalId: row.external_id,
    isArchived: readFlag(row.is_archived),
    createdAt: readTime(row.created_at),
    updatedAt: readTime(row.updated_at),
  };
}

/** A `messages` row as a `Message`. */
export function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    id: row.id,
    projectId: row.project_id,
    threadId: row.thread_id,
    parentId: row.parent_id,
    height: Number(row.height),
    format: row.format,
    content: readJson(row.content),
    externalId: row.external_id,
    createdAt: readTime(row.created_at),
    updatedAt: readTime(row.updated_at),
    ...(row.run_lease_id !== null ? { run: toMessageRun(row) } : {}),
  };
}

/** The run lease of a `messages` row that has one. */
function toMessageRun(row: Selectable<MessagesTable>): MessageRun {
  return {
    leaseId: row.run_lease_id!,
    status: row.run_ended_at === null ? 'running' : 'ended',
    lastHeartbeatAt: readTime(row.run_heartbeat_at ?? row.created_at),
    endReason: row.run_ended_at === null ? null : row.run_end_reason,
  };
}

/** A `message_feedback` row as `Feedback`. */
export function toFeedback(row: Pick<Selectable<MessageFeedbackTable>, 'id' | 'message_id' | 'type' | 'comment'>): Feedback {
  return { id: row.id, messageId: row.message_id, type: row.type, comment: row.comment };
}
