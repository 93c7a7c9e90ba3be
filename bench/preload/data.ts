/**
 * The preloaded data set, defined once so the SQLite file, the PostgreSQL database and the
 * requests the bench sends all agree: `users` users (1,000, or 10 for the small set), each with
 * one workspace of 10 threads of 100 messages, the messages of a thread forming one chain
 * (parent = the previous message), about 200 bytes of assistant-ui content each.
 *
 * Ids have the length of real ones (a prefix and 26 characters) so the indexes have real sizes.
 */
export type PreloadSize = 'large' | 'small';

export const PROJECT_ID = 'default';
export const THREADS_PER_USER = 10;
export const MESSAGES_PER_THREAD = 100;
/** 2026-01-01T00:00:00Z: every preloaded time is after it and before now. */
export const BASE_TIME_MS = 1_767_225_600_000;
export const MESSAGE_FORMAT = 'aui/v0';
/** Pads the preloaded message text to about 200 bytes of JSON. */
export const FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.';

export function userCount(size: PreloadSize): number {
  return size === 'large' ? 1000 : 10;
}

/** Messages in the set: 1,000,000 (large) or 10,000 (small). */
export function messageCount(size: PreloadSize): number {
  return userCount(size) * THREADS_PER_USER * MESSAGES_PER_THREAD;
}

export const userId = (u: number) => `user_${String(u).padStart(4, '0')}`;
export const workspaceId = (u: number) => `ws_${String(u).padStart(4, '0')}`;
export const threadId = (u: number, t: number) => `thread_${String(u * 100 + t).padStart(26, '0')}`;
export const messageId = (u: number, t: number, m: number) => `msg_${String((u * 100 + t) * 1000 + m).padStart(26, '0')}`;
export const threadCreatedAt = (u: number, t: number) => BASE_TIME_MS + (u * THREADS_PER_USER + t) * 600_000;
export const messageCreatedAt = (u: number, t: number, m: number) => threadCreatedAt(u, t) + m * 1000;
export const role = (m: number) => (m % 2 === 0 ? 'user' : 'assistant');
export const messageContent = (u: number, t: number, m: number) =>
  `{"role":"${role(m)}","content":[{"type":"text","text":"Message ${m} in thread ${t} of user ${u}. ${FILLER}"}]}`;

/**
 * The users the bench's requests act as: 10 of them, spread over the whole set, so a list of the
 * large set reads from all over its indexes and the same 10 exist in the small set's shape.
 */
export function benchUsers(size: PreloadSize): number[] {
  const step = userCount(size) / 10;
  return Array.from({ length: 10 }, (_, i) => i * step);
}
