/**
 * Thread titles written by a model (THREADGATE_TITLE_MODEL = `<provider id>/<model>`), in place
 * of titles cut from the first message (titles/conversation-title.ts). The title streams as the
 * model writes it. A model that fails before its first word gives way to the cut title, so a
 * thread always gets one; a failure after it ends the stream with the error (the route's contract).
 *
 * A title run is a run like an agent's, so that titles cannot run up the operator's bill: only a
 * caller with `agents:run` gets the model (others the cut title); it counts against the caller's
 * runs per minute and model tokens per day and the title assistant's own (`system/thread_title`),
 * refused with `rate_limited` before the first piece; and it is recorded (route `title`).
 */
import type { Logger } from 'pino';
import { titleFromConversation } from '../../titles/conversation-title.js';
import type { TitleGenerator } from '../../titles/title-generator.js';
import { modelError } from './model-client.js';
import type { AgentsService } from './agents-service.js';

/** What the title model reads at most: the first turns, each cut (a title needs no more). */
const TITLE_TURNS = 6;
const TITLE_TURN_CHARS = 2000;

export const TITLE_INSTRUCTIONS =
  'Write a short title (at most six words) for the conversation below, in its language. Answer with the title only: no quotes, no final period.';

export function createModelTitleGenerator(deps: { service: AgentsService; providerId: string; model: string; logger: Pick<Logger, 'warn'> }): TitleGenerator {
  return {
    async *generateTitle({ threadId, messages, signal, principal }) {
      const turns = messages
        .filter((m) => m.role === 'user' || m.role === 'assistant')
        .slice(0, TITLE_TURNS)
        .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.texts.join('\n').slice(0, TITLE_TURN_CHARS) }))
        .filter((t) => t.content.trim() !== '');
      if (turns.length === 0 || principal === undefined || !principal.scopes.has('agents:run')) {
        yield titleFromConversation(messages);
        return;
      }
      // Over a limit: thrown before the first piece, the route's rate_limited answer.
      const run = await deps.service.admitTitle(principal, threadId, signal);
      let streamed: Awaited<ReturnType<AgentsService['stream']>>;
      try {
        streamed = await deps.service.stream(run, { system: TITLE_INSTRUCTIONS, messages: turns });
      } catch (error) {
        // Code and detail only: the AI SDK's error carries the request body (the conversation).
        const { code, detail } = error as { code?: string; detail?: string };
        if (code === 'rate_limited') throw error;
        deps.logger.warn({ providerId: deps.providerId, code, detail }, 'title model failed: the title is cut from the conversation');
        yield titleFromConversation(messages);
        return;
      }
      try {
        for await (const part of streamed.result.fullStream) {
          if (part.type === 'text-delta') yield part.text;
          else if (part.type === 'error') throw modelError(part.error, run.abort.timedOut());
        }
      } finally {
        await streamed.settle();
      }
    },
  };
}
