/**
 * The title generator that needs no model: the first user message's text, whitespace collapsed,
 * cut at a word boundary to at most `maxLength` characters (an ellipsis marks the cut). Without a
 * user message that has text, the first message with text stands in; with no text at all (an
 * image alone: the client sends text and tool-call parts only), the title is `FALLBACK_TITLE`.
 */
import type { TitleGenerator, TitleMessage } from './title-generator.js';

/** The longest title made, in characters (user-perceived: an emoji counts once). */
export const DEFAULT_TITLE_LENGTH = 60;

/** The title of a conversation with no text: what assistant-ui shows for an untitled thread. */
export const FALLBACK_TITLE = 'New chat';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * @example
 * titleFromConversation([{ role: 'user', texts: ['  What is   the capital of France?'] }], 20)
 * // 'What is the capital…'
 */
export function titleFromConversation(messages: readonly TitleMessage[], maxLength = DEFAULT_TITLE_LENGTH): string {
  // Control characters (NUL included: no database stores it in a title) count as spaces.
  const textOf = (message: TitleMessage) => message.texts.join(' ').replace(/[\s\p{Cc}]+/gu, ' ').trim();
  const source = messages.filter((m) => m.role === 'user').map(textOf).find((text) => text !== '')
    ?? messages.map(textOf).find((text) => text !== '');
  if (source === undefined) return FALLBACK_TITLE;
  return cutAtWord(source, maxLength);
}

/** `text` if it fits, else its longest prefix that ends at a word boundary and leaves room for "…". */
function cutAtWord(text: string, maxLength: number): string {
  const graphemes = Array.from(segmenter.segment(text), (s) => s.segment);
  if (graphemes.length <= maxLength) return text;
  // Room for maxLength - 1 characters and the ellipsis. The words kept end at the last space that
  // follows them within one character more (a word ending right at the room's end is whole),
  // unless they would make too short a title: a first word longer than the room is cut inside.
  const lastSpace = graphemes.slice(0, maxLength).lastIndexOf(' ');
  const kept = lastSpace >= Math.floor(maxLength / 3) ? graphemes.slice(0, lastSpace) : graphemes.slice(0, maxLength - 1);
  return `${kept.join('').replace(/[\s\p{P}]+$/u, '') || kept.join('')}…`;
}

/**
 * @example
 * const generator = createConversationTitleGenerator({ maxLength: 60 })
 */
export function createConversationTitleGenerator(options: { maxLength?: number } = {}): TitleGenerator {
  const maxLength = options.maxLength ?? DEFAULT_TITLE_LENGTH;
  return {
    async *generateTitle({ messages }) {
      yield titleFromConversation(messages, maxLength);
    },
  };
}
