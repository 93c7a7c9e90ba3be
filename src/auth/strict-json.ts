/**
 * JSON objects without duplicate members. `JSON.parse` silently keeps the last of two members with
 * the same name, so `{"sub":"alice","sub":"admin"}` reads as admin here and perhaps as alice in
 * another parser. RFC 7515 §5.2 and RFC 7519 §4 say a JOSE header or claims set with duplicate
 * names MUST be rejected (or parsed with last-wins, which is the ambiguity we refuse).
 */

/**
 * Parses `text` as one JSON object and refuses duplicate member names at any depth (compared after
 * unescaping, so `"a"` and `"\u0061"` are the same name). Throws `SyntaxError` otherwise; the
 * message names the duplicate member, never a value.
 *
 * Does not limit size or depth: callers bound the input first.
 *
 * @example
 * parseStrictJsonObject('{"a":1}')        // { a: 1 }
 * parseStrictJsonObject('{"a":1,"a":2}')  // throws SyntaxError: duplicate member "a"
 * parseStrictJsonObject('[1]')            // throws SyntaxError: not an object
 */
export function parseStrictJsonObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SyntaxError('the JSON text is not an object');
  }
  const duplicate = findDuplicateMember(text);
  if (duplicate !== undefined) throw new SyntaxError(`duplicate member ${JSON.stringify(duplicate.slice(0, 64))}`);
  return value as Record<string, unknown>;
}

/**
 * Scans text that `JSON.parse` has already accepted, so it only needs to tell strings, object and
 * array brackets and commas apart: a string right after `{` or after a comma inside an object is a
 * member name.
 */
function findDuplicateMember(text: string): string | undefined {
  // One entry per open bracket: the member names seen so far for an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let c = text.charCodeAt(end); c !== QUOTE; c = text.charCodeAt(end)) {
        if (c === BACKSLASH) {
          escaped = true;
          end += 2;
        } else {
          end += 1;
        }
      }
      if (expectName) {
        // Only a name with escapes needs unescaping to be compared.
        const name = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        const names = stack[stack.length - 1]!;
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (ch === OPEN_BRACE) {
      stack.push(new Set());
      expectName = true;
    } else if (ch === OPEN_BRACKET) {
      stack.push(null);
      expectName = false;
    } else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) {
      stack.pop();
      expectName = false;
    } else if (ch === COMMA) {
      expectName = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
