/**
 * What makes a thread's title from its conversation (`POST /v1/runs/stream` with
 * `assistant_id: "system/thread_title"`). The route streams whatever text the generator yields, in
 * order, then stores the whole text (trimmed) as the thread's title before the response ends.
 *
 * Today one implementation ships: conversation-title.ts, which needs no model. A model-backed
 * generator (a later issue: model providers) implements the same interface and is handed to the
 * application in place of it; nothing in the route changes.
 */

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
}

/**
 * @example
 * const generator: TitleGenerator = {
 *   async *generateTitle({ messages }) { yield 'Trip to '; yield 'Lisbon' },
 * }
 */
export interface TitleGenerator {
  /** The title, as pieces of text (one piece is fine). Throwing ends the stream with an error. */
  generateTitle(request: TitleRequest): AsyncIterable<string>;
}
