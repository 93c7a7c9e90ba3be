/**
 * Rows → records. The only place that knows how a value is stored: JSON as text, flags as 0/1.
 * Times are already numbers on both dialects (postgres/postgres-store.ts parses int8), but each
 * goes through `Number()` anyway so a driver returning a string could not leak one upward.
 */
import type { Selectable } from 'kysely';
import type {
  Flag,
  MessageFeedbackTable,
  MessagesTable,
  RefreshFamiliesTable,
  RefreshTokensTable,
  SigningKeysTable,
  ThreadsTable,
  UsersTable,
} from './database.js';
import type {
  Feedback,
  Json,
  Message,
  MessageRun,
  RefreshFamily,
  RefreshTokenRecord,
  SigningKeyRecord,
  Thread,
  UserRecord,
} from './store.js';

/** Serializes a JSON field for a text column. */
export function writeJson(value: Json): string {
  // JSON.stringify(undefined) is undefined, which a NOT NULL column would refuse with a vague error.
  return JSON.stringify(value ?? null);
}

/** Parses a JSON text column written by `writeJson`. */
export function readJson(text: string): Json {
  return JSON.parse(text) as Json;
}

/** A boolean as the 0/1 both databases store. */
export const writeFlag = (value: boolean): Flag => (value ? 1 : 0);
const readFlag = (value: number): boolean => Number(value) === 1;
export const readTime = (value: number): number => Number(value);
export const readOptionalTime = (value: number | null): number | null => (value === null ? null : Number(value));

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

/** A `signing_keys` row as a `SigningKeyRecord`. */
export function toSigningKey(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: row.public_jwk,
    privateJwkEncrypted: row.private_jwk_encrypted,
    createdAt: readTime(row.created_at),
    retiredAt: readOptionalTime(row.retired_at),
    publishUntil: readOptionalTime(row.publish_until),
  };
}

/** A `users` row as a `UserRecord`. */
export function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    projectId: row.project_id,
    id: row.id,
    anonymous: readFlag(row.anonymous),
    createdAt: readTime(row.created_at),
    tokensValidAfter: readOptionalTime(row.tokens_valid_after),
  };
}

/** A `refresh_families` row as a `RefreshFamily`. */
export function toRefreshFamily(row: Selectable<RefreshFamiliesTable>): RefreshFamily {
  return {
    id: row.id,
    projectId: row.project_id,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    createdAt: readTime(row.created_at),
    revokedAt: readOptionalTime(row.revoked_at),
  };
}

/** A `refresh_tokens` row as a `RefreshTokenRecord`. */
export function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    familyId: row.family_id,
    projectId: row.project_id,
    tokenHash: row.token_hash,
    createdAt: readTime(row.created_at),
    expiresAt: readTime(row.expires_at),
    consumedAt: readOptionalTime(row.consumed_at),
    successorEncrypted: row.successor_encrypted,
  };
}
