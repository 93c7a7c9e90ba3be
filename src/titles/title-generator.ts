/**
 * What makes a thread's title from its conversation (`POST /v1/runs/stream` with
 * `assistant_id: "system/thread_title"`). The route streams whatever text the generator yields, in
 * order, then stores the whole text (trimmed) as the thread's title before the response ends.
 *
 * Two implementations: conversation-title.ts, which needs no model, and the agents module's
 * model-title-generator.ts (THREADGATE_TITLE_MODEL), which runs a model under the caller's limits.
 */
import type { Principal } from '../auth/principal.js';

/** One message of the conversation, reduced to what a title can be made from. */
export interface TitleMessage {
  role: string;
  /** The message's text parts, in order. */
  texts: readonly string[];
}

export interface TitleRequest {
  threadId: string;
  messages: readonly TitleMessage[];
  /** Aborted when the client goes away: a generator that calls a model should stop then. */
  signal: AbortSignal;
  /**
   * Who asks: a generator that calls a model runs it under the caller's limits and records it.
   * Without one, a generator makes no model call.
   */
  principal?: Principal;
}

/**
 * @example
 * const generator: TitleGenerator = {
 *   async *generateTitle({ messages }) { yield 'Trip to '; yield 'Lisbon' },
 * }
 */
export interface TitleGenerator {
  /**
   * The title, as pieces of text (one piece is fine). Throwing before the first piece is the
   * route's error answer (e.g. `rate_limited`); after it, ends the stream with an error.
   */
  generateTitle(request: TitleRequest): AsyncIterable<string>;
}
