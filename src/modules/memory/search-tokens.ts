/**
 * Turns free query text into plain search words. The FTS query is built from these words by the
 * dialect (quoted, or through plainto_tsquery), never from the text itself, so quotes, FTS5
 * operators (AND OR NOT NEAR * ^ : - +), tsquery syntax (& | ! <-> :*), NUL and other control
 * characters can never be syntax or an error: they are simply not words.
 */

/** Words kept from one query; more are dropped (a query is a few words, not a document). */
export const MAX_QUERY_TOKENS = 32;
/** Longer words are cut to this many characters (by code point). */
export const MAX_TOKEN_LENGTH = 64;

/** Letters, marks and digits, in any script. */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * @example
 * searchTokens('"coffee" OR tea*; DROP TABLE') // ['coffee', 'or', 'tea', 'drop', 'table']
 */
export function searchTokens(query: string): string[] {
  const seen = new Set<string>();
  for (const match of query.normalize('NFKC').matchAll(WORD)) {
    const word = [...match[0].toLowerCase()].slice(0, MAX_TOKEN_LENGTH).join('');
    seen.add(word);
    if (seen.size >= MAX_QUERY_TOKENS) break;
  }
  return [...seen];
}
