/**
 * SQLite's keyword index is per owner: every word of a memory is indexed as one FTS5 term made of
 * the owner's key and the word (`<ownerKey><word>`), computed here in TypeScript when the memory is
 * written, and a search asks FTS5 for the caller's terms only. A query therefore reads the posting
 * lists of one owner's words, whatever the size of the table; indexing the bare words (migration
 * 007) made a common word's list span every user's memories.
 *
 * A word is taken as search-tokens.ts takes it (NFKC, lower case, letters, marks and digits), then
 * its diacritics are removed and it is stemmed by FTS5's own Porter rules (porter-stem.ts), as the
 * `porter unicode61 remove_diacritics 2` tokenizer did before: "Drinks" and "drinking" meet, and
 * "cafe" finds "café". The FTS5 table uses the `ascii` tokenizer, under which a term (ASCII letters
 * and digits, and any non-ASCII character) is one token, never split or changed again.
 */
import { createHash } from 'node:crypto';
import { textWords } from '../search-tokens.js';
import { porterStem } from './porter-stem.js';

export interface Owner {
  projectId: string;
  workspaceId: string;
  userId: string;
}

/** Characters of an owner key; every key has exactly this many, so a term splits unambiguously. */
export const OWNER_KEY_LENGTH = 16;

/**
 * The owner's key: the first 64 bits of SHA-256 over project, workspace and user (as a JSON
 * array, so no id can pass for two), in hex. Two owners sharing a key would only share posting
 * lists: every search is still bound to the caller's project, workspace and user by the query's
 * own conditions.
 */
export function ownerKey(owner: Owner): string {
  return createHash('sha256')
    .update(JSON.stringify([owner.projectId, owner.workspaceId, owner.userId]), 'utf8')
    .digest('hex')
    .slice(0, OWNER_KEY_LENGTH);
}

/** Combining diacritical marks (the blocks U+0300, U+1AB0, U+1DC0, U+20D0 and U+FE20). */
const DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

/** A word of textWords() as it is indexed: diacritics removed, then stemmed; '' when nothing is left. */
function indexedWord(word: string): string {
  const folded = /[^\u0000-\u007f]/.test(word) ? word.normalize('NFD').replace(DIACRITICS, '').normalize('NFC') : word;
  return folded === '' ? '' : porterStem(folded);
}

/**
 * The owner's terms of a memory's text, space-separated, in order and with repeats (BM25 counts
 * them): the value of `memories.search_terms`.
 *
 * @example
 * indexTerms(owner, 'Drinks café') // '3f9a1c0e7b2d4f6adrink 3f9a1c0e7b2d4f6acafe'
 */
export function indexTerms(owner: Owner, text: string): string {
  const key = ownerKey(owner);
  const terms: string[] = [];
  for (const word of textWords(text)) {
    const indexed = indexedWord(word);
    if (indexed !== '') terms.push(key + indexed);
  }
  return terms.join(' ');
}

/**
 * An FTS5 MATCH expression for any of `tokens` (words of searchTokens()) in the owner's index:
 * each term double-quoted (a term never holds a quote, but quoting keeps FTS5 from reading AND,
 * OR, NOT or NEAR in it), joined by OR. Undefined when no token leaves a term.
 */
export function matchExpression(owner: Owner, tokens: readonly string[]): string | undefined {
  const key = ownerKey(owner);
  const terms = new Set<string>();
  for (const token of tokens) {
    const indexed = indexedWord(token);
    if (indexed !== '') terms.add(`"${key}${indexed.replaceAll('"', '""')}"`);
  }
  return terms.size === 0 ? undefined : [...terms].join(' OR ');
}

