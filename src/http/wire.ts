/** Store records → the snake_case JSON the `assistant-cloud` client reads. */
import type { Message, Thread } from '../store/store.js';
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

export function toWireMessage(message: Message) {
  return {
    id: message.id,
    parent_id: message.parentId,
    height: message.height,
    format: message.format,
    content: (message.content ?? {}) as Record<string, unknown>,
    external_id: message.externalId,
    created_at: iso(message.createdAt),
    updated_at: iso(message.updatedAt),
  };
}
