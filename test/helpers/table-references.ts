/**
 * Which tables a TypeScript source file names, read from its text (no type checker: the compiler
 * this repository builds with offers no API to walk a program). Used by
 * test/modules/table-ownership.test.ts to hold each module to its own tables.
 *
 * What it reads, with comments skipped:
 * - Kysely's builders whose first argument names a table: `selectFrom`, `insertInto`,
 *   `replaceInto`, `updateTable`, `deleteFrom`, `mergeInto`, `using`, the joins, `createTable`,
 *   `alterTable`, `dropTable`, `createIndex(...).on`, `sql.table`; the argument a literal
 *   (`'messages as m'`, `'doomed(id)'`, `'memories.id'`: the table part), an array of literals, or
 *   a name bound in the same file to literals (`const TABLES = ['runs', 'events'] as const` and
 *   `for (const table of TABLES)`, or `for (const table of ['runs', 'events'])`); any other name is
 *   reported as unresolved;
 * - `with` and `withRecursive`: the names they bind are the file's common table expressions;
 * - the text of `sql` templates: a word after `from`, `join`, `into`, `update`, `table`, `on` or
 *   `exists` (raw SQL is not parsed, so the caller keeps only words that are real table names).
 *
 * What it does not see: a table named through a function's parameter (`sql.id(table)` in a helper),
 * or a name built at run time. Keep table names literal, as the repositories do.
 */

/** One table a file names, and where. */
export interface TableReference {
  table: string;
  /** 1-based line in the file. */
  line: number;
  /** The form that named it: a builder method, `sql`, or `with`. */
  via: string;
}

export interface FileTables {
  /** Tables named through Kysely's builders (and the names of common table expressions: see `ctes`). */
  builder: TableReference[];
  /** Words in table position in raw `sql` templates: tables, but also aliases and keywords. */
  rawSql: TableReference[];
  /** The names `with` / `withRecursive` bind in this file. */
  ctes: Set<string>;
  /** Builder calls whose table argument the scan could not read. */
  unresolved: TableReference[];
}

/** The migration's created tables: `createTable('x')`, and `create [virtual] table x` in raw SQL. */
export function createdTables(source: string): string[] {
  const { code, sqlTemplates } = lex(source);
  const created = [...code.matchAll(/\.createTable\(\s*(['"`])([A-Za-z_]\w*)\1/g)].map((match) => match[2]!);
  for (const { text } of sqlTemplates) {
    for (const match of text.matchAll(/\bcreate\s+(?:virtual\s+)?table\s+(?:if\s+not\s+exists\s+)?"?([A-Za-z_]\w*)/gi)) created.push(match[1]!);
  }
  return created;
}

const BUILDER_METHODS = [
  'selectFrom', 'insertInto', 'replaceInto', 'updateTable', 'deleteFrom', 'mergeInto', 'using',
  'innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'crossJoin',
  'innerJoinLateral', 'leftJoinLateral', 'crossJoinLateral',
  'createTable', 'alterTable', 'dropTable', 'with', 'withRecursive', 'withMaterialized', 'withNotMaterialized',
];
const BUILDER_CALL = new RegExp(`(?:\\.(${BUILDER_METHODS.join('|')})|(createIndex\\([^()]*\\)\\s*\\.on)|(\\bsql\\.table))\\(\\s*`, 'g');
const RAW_SQL_TABLE = /\b(?:from|join|into|update|table|on|exists)\s+"?([A-Za-z_]\w*)/gi;

/** The table part of a builder's argument: `messages as m` → messages, `doomed(id)` → doomed, `memories.id` → memories. */
function tableOf(argument: string): string | undefined {
  return /^\s*([A-Za-z_]\w*)/.exec(argument)?.[1];
}

/**
 * Every table `source` names (see the file comment for the forms it reads).
 *
 * @example
 * const { builder, unresolved } = tableReferences(readFileSync(path, 'utf8'))
 */
export function tableReferences(source: string): FileTables {
  const { code, sqlTemplates } = lex(source);
  const breaks = [...code.matchAll(/\n/g)].map((match) => match.index!);
  const lineAt = (index: number) => {
    let low = 0;
    let high = breaks.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (breaks[middle]! < index) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
  const literalsOf = (text: string) => [...text.matchAll(/(['"`])((?:(?!\1)[^\\\n])*)\1/g)].map((match) => match[2]!);
  // Names bound to literals in this file: `const X = 'a'`, `const X = ['a', 'b'] as const`, and
  // loop variables over such an array.
  const bound = new Map<string, string[]>();
  for (const match of code.matchAll(/\bconst\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(\[[^\]]*\]|(['"`])[^'"`\n]*\3)/g)) {
    bound.set(match[1]!, literalsOf(match[2]!));
  }
  for (const match of code.matchAll(/\bfor\s*\(\s*const\s+([A-Za-z_$][\w$]*)\s+of\s+(?:([A-Za-z_$][\w$]*)|(\[[^\]]*\]))\s*\)/g)) {
    const values = match[2] !== undefined ? bound.get(match[2]) : literalsOf(match[3]!);
    if (values !== undefined) bound.set(match[1]!, values);
  }

  const result: FileTables = { builder: [], rawSql: [], ctes: new Set(), unresolved: [] };
  for (const match of code.matchAll(BUILDER_CALL)) {
    const via = match[1] ?? (match[2] !== undefined ? 'createIndex().on' : 'sql.table');
    const at = match.index! + match[0].length;
    const line = lineAt(match.index!);
    const rest = code.slice(at);
    let names: string[];
    const literal = /^(['"`])((?:(?!\1)[^\\\n])*)\1/.exec(rest);
    const array = /^\[([^\]]*)\]/.exec(rest);
    const name = /^([A-Za-z_$][\w$]*)\s*[,)]/.exec(rest);
    if (literal !== null) names = [literal[2]!];
    else if (array !== null) names = literalsOf(array[1]!);
    else if (name !== null && bound.has(name[1]!)) names = bound.get(name[1]!)!;
    else if (name !== null) {
      result.unresolved.push({ table: name[1]!, line, via });
      continue;
    } else continue; // a subquery or a callback: the builders inside it are matched on their own
    for (const argument of names) {
      const table = tableOf(argument);
      if (table === undefined) continue;
      if (via.startsWith('with')) result.ctes.add(table);
      else result.builder.push({ table, line, via });
    }
  }
  for (const { text, index } of sqlTemplates) {
    for (const match of text.matchAll(RAW_SQL_TABLE)) result.rawSql.push({ table: match[1]!, line: lineAt(index), via: 'sql' });
  }
  return result;
}

interface Lexed {
  /** The source without its comments; line breaks kept, so lines still match the file's. */
  code: string;
  /** The text of each `sql` tagged template (a substitution reads as `?`), and where it starts in `code`. */
  sqlTemplates: Array<{ text: string; index: number }>;
}

/**
 * Strips comments and collects `sql` templates, knowing strings, templates (nested through their
 * substitutions) and regular expression literals well enough for this repository's own source.
 */
function lex(source: string): Lexed {
  const out: string[] = [];
  let length = 0; // of the code emitted so far
  let recent = ''; // its last characters, to see a `sql` tag (with type arguments) before a backtick
  const emit = (text: string) => {
    out.push(text);
    length += text.length;
    recent = (recent + text).slice(-300);
  };
  const sqlTemplates: Lexed['sqlTemplates'] = [];
  // Open templates, innermost last: the `{` depth of the substitution we are in (0: in the text).
  const templates: Array<{ depth: number; text: string; sql: boolean; index: number }> = [];
  let last = ''; // the last significant token, to tell a division from a regular expression
  let word = ''; // the identifier being read, if any
  let i = 0;
  const readTemplateText = () => {
    const template = templates[templates.length - 1]!;
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\\') {
        template.text += source.slice(i, i + 2);
        emit(source.slice(i, i + 2));
        i += 2;
      } else if (c === '`') {
        emit(c);
        i++;
        templates.pop();
        if (template.sql) sqlTemplates.push({ text: template.text, index: template.index });
        last = '`';
        return;
      } else if (c === '$' && source[i + 1] === '{') {
        emit('${');
        i += 2;
        template.text += '?';
        template.depth = 1;
        last = '{';
        return;
      } else {
        template.text += c;
        emit(c);
        i++;
      }
    }
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    const template = templates[templates.length - 1];
    if (!/[\w$]/.test(c)) word = '';
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      emit(source.slice(i, stop).replace(/[^\n]/g, ' '));
      i = stop;
    } else if (c === '\'' || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      emit(source.slice(i, j + 1));
      i = j + 1;
      last = c;
    } else if (c === '`') {
      templates.push({ depth: 0, text: '', sql: /\bsql\s*(?:<[^`;]*>)?\s*$/.test(recent), index: length });
      emit(c);
      i++;
      readTemplateText();
    } else if (c === '/' && (last === '' || /^[(,=:[!&|?{};+\-*%<>~^]$/.test(last) || /^(return|typeof|case|of|in|void)$/.test(last))) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      emit(source.slice(i, j + 1));
      i = j + 1;
      last = '/';
    } else if (template !== undefined && template.depth === 1 && c === '}') {
      template.depth = 0;
      emit(c);
      i++;
      readTemplateText();
    } else {
      if (template !== undefined && template.depth > 0) {
        if (c === '{') template.depth++;
        if (c === '}') template.depth--;
      }
      emit(c);
      i++;
      if (/[\w$]/.test(c)) last = word += c;
      else if (!/\s/.test(c)) last = c;
    }
  }
  return { code: out.join(''), sqlTemplates };
}
