/**
 * The import graph of a source folder and its cycles. Relative imports only: a package cannot
 * import us back. (TypeScript 7, which this project builds with, has no JavaScript API to parse
 * with; import statements are simple enough to read with one expression.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportGraphOptions {
  /** Count `import type` and `export type ... from` too (they vanish at run time). Default true. */
  includeTypeImports?: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the source), or undefined. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Static `import ... from` and `export ... from` statements, at the start of a line (the code style
 * puts every one there), with whether the statement is type-only (`import type`, or every name
 * marked `type`). Dynamic `import()` is lazy and does not count.
 */
const STATEMENT = /^(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*'([^']+)'|^import\s+'([^']+)'/gm;

function isTypeOnly(typeKeyword: string | undefined, clause: string): boolean {
  if (typeKeyword !== undefined) return true;
  const named = /^\{([^}]*)\}$/.exec(clause.trim());
  if (named === null) return false;
  const names = named[1]!.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

/** Each file of `dir` with the files of `dir` it imports statically. */
export function importGraph(dir: string, options: ImportGraphOptions = {}): Map<string, string[]> {
  const includeTypes = options.includeTypeImports ?? true;
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const targets: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(STATEMENT)) {
      const specifier = match[4] ?? match[5]!;
      if (!includeTypes && match[4] !== undefined && isTypeOnly(match[2], match[3]!)) continue;
      const target = resolveSpecifier(file, specifier);
      if (target !== undefined && target !== file) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/**
 * The cycles of `dir`'s import graph: one per strongly connected component of more than one file,
 * as a path that comes back to its start, with paths relative to `dir`.
 *
 * @example
 * findImportCycles('src') // [] when the graph has no cycle
 */
export function findImportCycles(dir: string, options: ImportGraphOptions = {}): string[][] {
  const graph = importGraph(dir, options);
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) components.push(component);
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return components.map((component) => cycleThrough(graph, new Set(component)).map((file) => relative(dir, file)));
}

/** One cycle inside a strongly connected component: from its first file back to it (breadth first). */
function cycleThrough(graph: Map<string, string[]>, component: Set<string>): string[] {
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of graph.get(file) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at: string | undefined = file; at !== start && at !== undefined; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return [...component];
}
