/**
 * Thread titles written by a model (THREADGATE_TITLE_MODEL = `<provider id>/<model>`), in place
 * of titles cut from the first message (titles/conversation-title.ts). The title streams as the
 * model writes it. A model that fails before its first word gives way to the cut title, so a
 * thread always gets one; a failure after it ends the stream with the error (the route's contract).
 */
import type { Logger } from 'pino';
import { titleFromConversation } from '../../titles/conversation-title.js';
import type { TitleGenerator, TitleMessage } from '../../titles/title-generator.js';
import type { AgentsService } from './agents-service.js';

/** What the title model reads at most: the first turns, each cut (a title needs no more). */
const TITLE_TURNS = 6;
const TITLE_TURN_CHARS = 2000;

export const TITLE_INSTRUCTIONS =
  'Write a short title (at most six words) for the conversation below, in its language. Answer with the title only: no quotes, no final period.';

export function createModelTitleGenerator(deps: { service: AgentsService; providerId: string; model: string; logger: Pick<Logger, 'warn'> }): TitleGenerator {
  return {
    async *generateTitle({ messages, signal }) {
      const turns = messages
        .filter((m) => m.role === 'user' || m.role === 'assistant')
        .slice(0, TITLE_TURNS)
        .map((m) => ({ role: m.role as 'user' | 'assistant', text: m.texts.join('\n').slice(0, TITLE_TURN_CHARS) }))
        .filter((t) => t.text.trim() !== '');
      if (turns.length === 0) {
        yield titleFromConversation(messages);
        return;
      }
      let pieces: AsyncIterator<string>;
      let first: IteratorResult<string>;
      try {
        pieces = (await deps.service.streamTitle(deps.providerId, deps.model, TITLE_INSTRUCTIONS, turns, signal))[Symbol.asyncIterator]();
        first = await pieces.next();
      } catch (error) {
        // Code and detail only: the AI SDK's error carries the request body (the conversation).
        const { code, detail } = error as { code?: string; detail?: string };
        deps.logger.warn({ providerId: deps.providerId, code, detail }, 'title model failed: the title is cut from the conversation');
        yield titleFromConversation(messages as readonly TitleMessage[]);
        return;
      }
      while (first.done !== true) {
        yield first.value;
        first = await pieces.next();
      }
    },
  };
}
