/** Store records → the snake_case JSON the `assistant-cloud` client reads. */
import type { Message, Thread } from '../modules/threads/threads-types.js';
import { isoTimestamp as iso } from './iso-time.js';

export function toWireThread(thread: Thread) {
  return {
    id: thread.id,
    project_id: thread.projectId,
    workspace_id: thread.workspaceId,
    title: thread.title,
    last_message_at: iso(thread.lastMessageAt),
    metadata: thread.metadata,
    external_id: thread.externalId,
    is_archived: thread.isArchived,
    created_at: iso(thread.createdAt),
    updated_at: iso(thread.updatedAt),
  };
}

/**
 * A listed message. `now` is when the list was read: a message that had a run lease carries
 * `run: {status, last_heartbeat_ms_ago}` measured against it (the client's CloudMessageRun); the
 * lease id itself is never listed, only its holder has it.
 */
export function toWireMessage(message: Message, now: number) {
  return {
    id: message.id,
    parent_id: message.parentId,
    height: message.height,
    format: message.format,
    content: (message.content ?? {}) as Record<string, unknown>,
    external_id: message.externalId,
    created_at: iso(message.createdAt),
    updated_at: iso(message.updatedAt),
    ...(message.run !== undefined
      ? { run: { status: message.run.status, last_heartbeat_ms_ago: Math.max(0, now - message.run.lastHeartbeatAt) } }
      : {}),
  };
}
