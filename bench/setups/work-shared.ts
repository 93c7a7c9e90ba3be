/**
 * What the real-work setups share: where their preloaded database is, the users they act as, and
 * the append request (a reply under the last preloaded message of the user's first thread, with
 * 1 KB of content).
 */
import { MESSAGE_FORMAT, MESSAGES_PER_THREAD, messageId, threadId, type PreloadSize } from '../preload/data.js';
import type { SetupContext } from './types.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** DATABASE_URL of this run's preloaded database of `kind` and `size`, or why there is none. */
export async function preloadedDatabase(ctx: SetupContext, kind: DatabaseKind, size: PreloadSize): Promise<{ url: string } | { unavailable: string }> {
  if (kind === 'sqlite') return { url: await ctx.sqlitePreload(size) };
  return ctx.postgresPreload(size);
}

/** 1 KB of message content in the assistant-ui shape. */
export const APPEND_CONTENT = { role: 'user', content: [{ type: 'text', text: 'x'.repeat(1024 - 52) }] };

export function appendBody(u: number): string {
  return JSON.stringify({ parent_id: messageId(u, 0, MESSAGES_PER_THREAD - 1), format: MESSAGE_FORMAT, content: APPEND_CONTENT });
}

export const appendPath = (u: number) => `/v1/threads/${threadId(u, 0)}/messages`;
export const LIST_PATH = '/v1/threads?limit=20';
