/**
 * The Porter stemmer exactly as SQLite's FTS5 `porter` tokenizer applies it (fts5_tokenize.c, the
 * rules of mkportersteps.tcl), so that words stemmed here for SQLite's owner-scoped index stem as
 * FTS5 stemmed them before (test/modules/memory/porter-stem.test.ts compares the two).
 *
 * Like FTS5 it works on the UTF-8 bytes of a lower-case word: only ASCII suffixes are rewritten,
 * and a word shorter than 3 or longer than 64 bytes is left as it is. It does not lower-case, fold
 * diacritics or split words: the caller passes one word, as the unicode61 tokenizer would.
 */

const MAX_BYTES = 64;
const A = 'a'.charCodeAt(0), E = 'e'.charCodeAt(0), I = 'i'.charCodeAt(0), O = 'o'.charCodeAt(0), U = 'u'.charCodeAt(0);
const Y = 'y'.charCodeAt(0), W = 'w'.charCodeAt(0), X = 'x'.charCodeAt(0), S = 's'.charCodeAt(0), T = 't'.charCodeAt(0);
const L = 'l'.charCodeAt(0), Z = 'z'.charCodeAt(0);

/** A word being stemmed: its bytes and how many of them are still the word. */
interface Buf {
  b: Uint8Array;
  n: number;
}

function isVowel(c: number, yIsVowel: boolean): boolean {
  return c === A || c === E || c === I || c === O || c === U || (yIsVowel && c === Y);
}

/** FTS5's fts5PorterGobbleVC: the index just past the first VC sequence of b[from, to), or 0. */
function gobbleVC(b: Uint8Array, from: number, to: number, prevCons: boolean): number {
  let cons = prevCons;
  let i = from;
  for (; i < to; i++) if (!(cons = !isVowel(b[i]!, cons))) break;
  for (i++; i < to; i++) if ((cons = !isVowel(b[i]!, cons))) return i + 1 - from;
  return 0;
}

/** m > 0 */
const mGt0 = (b: Uint8Array, n: number) => gobbleVC(b, 0, n, false) !== 0;
/** m > 1 */
function mGt1(b: Uint8Array, n: number): boolean {
  const k = gobbleVC(b, 0, n, false);
  return k !== 0 && gobbleVC(b, k, n, true) !== 0;
}
/** m = 1 */
function mEq1(b: Uint8Array, n: number): boolean {
  const k = gobbleVC(b, 0, n, false);
  return k !== 0 && gobbleVC(b, k, n, true) === 0;
}
/** *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
function oStar(b: Uint8Array, n: number): boolean {
  const last = b[n - 1];
  if (last === W || last === X || last === Y) return false;
  let mask = 0;
  let cons = false;
  for (let i = 0; i < n; i++) {
    cons = !isVowel(b[i]!, cons);
    mask = ((mask << 1) + (cons ? 1 : 0)) & 0xffff;
  }
  return (mask & 7) === 5;
}
/** m > 1 and (*S or *T) */
const mGt1SorT = (b: Uint8Array, n: number) => (b[n - 1] === S || b[n - 1] === T) && mGt1(b, n);
/** *v*: the stem holds a vowel. */
function hasVowel(b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (isVowel(b[i]!, i > 0)) return true;
  return false;
}

type Cond = (b: Uint8Array, n: number) => boolean;
/** [suffix, condition on the stem (null: none), replacement] */
type Rule = readonly [string, Cond | null, string];

function endsWith(buf: Buf, suffix: string): boolean {
  if (buf.n <= suffix.length) return false; // FTS5 needs a stem of at least one byte
  for (let i = 0; i < suffix.length; i++) if (buf.b[buf.n - suffix.length + i] !== suffix.charCodeAt(i)) return false;
  return true;
}

/**
 * FTS5's generated steps: the first rule whose suffix ends the word decides (as its switch on the
 * next-to-last byte does); its condition is checked on the stem. Returns the suffix it rewrote.
 */
function apply(buf: Buf, rules: readonly Rule[]): string | undefined {
  for (const [suffix, cond, output] of rules) {
    if (!endsWith(buf, suffix)) continue;
    const stem = buf.n - suffix.length;
    if (cond !== null && !cond(buf.b, stem)) return undefined;
    for (let i = 0; i < output.length; i++) buf.b[stem + i] = output.charCodeAt(i);
    buf.n = stem + output.length;
    return suffix;
  }
  return undefined;
}

const STEP_1B: readonly Rule[] = [['eed', mGt0, 'ee'], ['ed', hasVowel, ''], ['ing', hasVowel, '']];
const STEP_1B2: readonly Rule[] = [['at', null, 'ate'], ['bl', null, 'ble'], ['iz', null, 'ize']];
const STEP_2: readonly Rule[] = [
  ['ational', mGt0, 'ate'], ['tional', mGt0, 'tion'], ['enci', mGt0, 'ence'], ['anci', mGt0, 'ance'],
  ['izer', mGt0, 'ize'], ['logi', mGt0, 'log'], ['bli', mGt0, 'ble'], ['alli', mGt0, 'al'], ['entli', mGt0, 'ent'],
  ['eli', mGt0, 'e'], ['ousli', mGt0, 'ous'], ['ization', mGt0, 'ize'], ['ation', mGt0, 'ate'], ['ator', mGt0, 'ate'],
  ['alism', mGt0, 'al'], ['iveness', mGt0, 'ive'], ['fulness', mGt0, 'ful'], ['ousness', mGt0, 'ous'],
  ['aliti', mGt0, 'al'], ['iviti', mGt0, 'ive'], ['biliti', mGt0, 'ble'],
];
const STEP_3: readonly Rule[] = [
  ['ical', mGt0, 'ic'], ['ness', mGt0, ''], ['icate', mGt0, 'ic'], ['iciti', mGt0, 'ic'], ['ful', mGt0, ''],
  ['ative', mGt0, ''], ['alize', mGt0, 'al'],
];
const STEP_4: readonly Rule[] = [
  ['al', mGt1, ''], ['ance', mGt1, ''], ['ence', mGt1, ''], ['er', mGt1, ''], ['ic', mGt1, ''], ['able', mGt1, ''],
  ['ible', mGt1, ''], ['ant', mGt1, ''], ['ement', mGt1, ''], ['ment', mGt1, ''], ['ent', mGt1, ''],
  ['ion', mGt1SorT, ''], ['ou', mGt1, ''], ['ism', mGt1, ''], ['ate', mGt1, ''], ['iti', mGt1, ''], ['ous', mGt1, ''],
  ['ive', mGt1, ''], ['ize', mGt1, ''],
];

function step1A(buf: Buf): void {
  const { b, n } = buf;
  if (b[n - 1] !== S) return;
  if (b[n - 2] === E) buf.n = (n > 4 && b[n - 4] === S && b[n - 3] === S) || (n > 3 && b[n - 3] === I) ? n - 2 : n - 1;
  else if (b[n - 2] !== S) buf.n = n - 1;
}

/**
 * @example
 * porterStem('drinking') // 'drink'
 * porterStem('relational') // 'relat'
 */
export function porterStem(word: string): string {
  const bytes = Buffer.from(word, 'utf8');
  if (bytes.length > MAX_BYTES || bytes.length < 3) return word;
  // Room for the longest growth (a suffix rewritten longer by a byte or two).
  const buf: Buf = { b: new Uint8Array(bytes.length + 8), n: bytes.length };
  buf.b.set(bytes);
  const b = buf.b;

  step1A(buf);
  // Only a removed -ed or -ing goes on to 1b's second part (as in FTS5; -eed does not).
  const removed = apply(buf, STEP_1B);
  if ((removed === 'ed' || removed === 'ing') && apply(buf, STEP_1B2) === undefined) {
    const c = b[buf.n - 1]!;
    if (!isVowel(c, false) && c !== L && c !== S && c !== Z && c === b[buf.n - 2]) buf.n--;
    else if (mEq1(b, buf.n) && oStar(b, buf.n)) b[buf.n++] = E;
  }
  // Step 1c.
  if (b[buf.n - 1] === Y && hasVowel(b, buf.n - 1)) b[buf.n - 1] = I;
  apply(buf, STEP_2);
  apply(buf, STEP_3);
  apply(buf, STEP_4);
  // Step 5a.
  if (b[buf.n - 1] === E && (mGt1(b, buf.n - 1) || (mEq1(b, buf.n - 1) && !oStar(b, buf.n - 1)))) buf.n--;
  // Step 5b.
  if (buf.n > 1 && b[buf.n - 1] === L && b[buf.n - 2] === L && mGt1(b, buf.n - 1)) buf.n--;
  return Buffer.from(b.buffer, b.byteOffset, buf.n).toString('utf8');
}
