/**
 * Turns free query text into plain search words. The FTS query is built from these words by the
 * dialect (quoted, or through plainto_tsquery), never from the text itself, so quotes, FTS5
 * operators (AND OR NOT NEAR * ^ : - +), tsquery syntax (& | ! <-> :*), NUL and other control
 * characters can never be syntax or an error: they are simply not words.
 *
 * SQLite's index is built from a memory's words taken the same way (`textWords`), so a query word
 * and a stored word meet whenever they are the same word here.
 */

/** Words kept from one query; more are dropped (a query is a few words, not a document). */
export const MAX_QUERY_TOKENS = 32;
/** Longer words are cut to this many characters (by code point). */
export const MAX_TOKEN_LENGTH = 64;

/** Letters, marks and digits, in any script. */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * Every word of `text`, in order and with repeats (a stored memory's words: repeats weigh in
 * BM25), lower-cased after NFKC and cut to MAX_TOKEN_LENGTH code points.
 *
 * @example
 * [...textWords('Ｃoffee, coffee!')] // ['coffee', 'coffee']
 */
export function* textWords(text: string): Generator<string> {
  for (const match of text.normalize('NFKC').matchAll(WORD)) {
    yield [...match[0].toLowerCase()].slice(0, MAX_TOKEN_LENGTH).join('');
  }
}

/**
 * @example
 * searchTokens('"coffee" OR tea*; DROP TABLE') // ['coffee', 'or', 'tea', 'drop', 'table']
 */
export function searchTokens(query: string): string[] {
  const seen = new Set<string>();
  for (const word of textWords(query)) {
    seen.add(word);
    if (seen.size >= MAX_QUERY_TOKENS) break;
  }
  return [...seen];
}
