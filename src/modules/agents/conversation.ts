/**
 * Conversations as the model sees them: messages of the thread store (`aui/v0` content, the AI SDK's
 * UI messages, or plain `{role, content}`), reduced to their text, and instructions with the
 * caller's user fields filled in.
 */
import type { ModelMessage } from 'ai';
import type { Principal } from '../../auth/principal.js';
import type { Message } from '../threads/threads-types.js';

export interface ChatTurn {
  role: 'user' | 'assistant';
  text: string;
}

/** The text of a message's content: a string, or the `text` parts of `content` / `parts`. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || typeof content !== 'object') return '';
  const value = content as { content?: unknown; parts?: unknown; text?: unknown };
  const parts = Array.isArray(value.parts) ? value.parts : Array.isArray(value.content) ? value.content : typeof value.content === 'string' ? [value.content] : [];
  return parts
    .map((part) => (typeof part === 'string' ? part : part !== null && typeof part === 'object' && (part as { type?: unknown }).type === 'text' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/**
 * A client message (`{role, content}` or a UI message `{role, parts}`) as a turn, or null: roles
 * other than user and assistant are dropped, so a client cannot add to the agent's instructions.
 */
export function toTurn(message: { role?: unknown; content?: unknown; parts?: unknown }): ChatTurn | null {
  if (message.role !== 'user' && message.role !== 'assistant') return null;
  const text = textOf(message);
  return text === '' ? null : { role: message.role, text };
}

/**
 * The thread's current branch, oldest first: from the newest message up its parents (the store
 * lists newest first; a thread's messages form a tree, and the newest is the branch shown).
 */
export function branchOf(messagesNewestFirst: readonly Message[]): ChatTurn[] {
  const byId = new Map(messagesNewestFirst.map((m) => [m.id, m]));
  const turns: ChatTurn[] = [];
  let current = messagesNewestFirst[0];
  const seen = new Set<string>();
  while (current !== undefined && !seen.has(current.id)) {
    seen.add(current.id);
    const turn = toTurn(current.content as { role?: unknown });
    if (turn !== null) turns.push(turn);
    current = current.parentId === null ? undefined : byId.get(current.parentId);
  }
  return turns.reverse();
}

export function toModelMessages(turns: readonly ChatTurn[]): ModelMessage[] {
  return turns.map((turn) => ({ role: turn.role, content: turn.text }));
}

/**
 * The agent's instructions with `{user.<field>}` replaced by the principal's mapped user fields
 * (SPEC 3's mapUser: `user.id` and `user.workspace` always exist). An unknown field becomes the
 * empty string, never the placeholder itself.
 *
 * @example
 * fillInstructions('Help {user.name}.', principal) // 'Help Ada.'
 */
export function fillInstructions(instructions: string, principal: Principal): string {
  const fields: Record<string, unknown> = { ...principal.user, id: principal.userId, workspace: principal.workspaceId };
  return instructions.replace(/\{user\.([A-Za-z0-9_-]{1,64})\}/g, (_, name: string) => {
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  });
}

/** Stored `aui/v0` content of a turn (what assistant-ui's cloud persistence writes). */
export function storedContent(role: 'user' | 'assistant', text: string, status?: 'complete' | 'incomplete') {
  return {
    role,
    content: [{ type: 'text', text }],
    ...(status !== undefined ? { status: status === 'complete' ? { type: 'complete', reason: 'stop' } : { type: 'incomplete', reason: 'error' } } : {}),
  };
}
