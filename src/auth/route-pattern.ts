/**
 * Route patterns with VoltAgent's semantics: an optional method prefix (`GET /health`), then path
 * segments where `:param` and `*` match exactly one non-empty segment and a final `/**` matches any
 * depth, including none (`/api/**` matches `/api` and `/api/a/b`). Anything else matches literally.
 * A pattern is compiled once; bad patterns throw a TypeError at start, never at request time.
 */

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface RoutePattern {
  readonly source: string;
  matches(method: string, path: string): boolean;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * @example
 * compileRoutePattern('POST /webhooks/*').matches('POST', '/webhooks/github') // true
 * compileRoutePattern('/api/**').matches('GET', '/api/a/b') // true
 */
export function compileRoutePattern(source: string): RoutePattern {
  const trimmed = source.trim();
  const space = trimmed.indexOf(' ');
  const method = space === -1 ? undefined : trimmed.slice(0, space).toUpperCase();
  const path = space === -1 ? trimmed : trimmed.slice(space + 1).trim();
  if (method !== undefined && !METHODS.has(method)) throw new TypeError(`route pattern "${source}": unknown method "${method}"`);
  if (!path.startsWith('/')) throw new TypeError(`route pattern "${source}": the path must start with "/"`);
  const segments = splitPath(path);
  const anyDepth = segments.at(-1) === '**';
  const fixed = anyDepth ? segments.slice(0, -1) : segments;
  if (fixed.includes('**')) throw new TypeError(`route pattern "${source}": "**" may only end a pattern`);
  for (const segment of fixed) {
    if (segment.startsWith(':') && !/^:[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) {
      throw new TypeError(`route pattern "${source}": bad parameter "${segment}"`);
    }
  }
  return {
    source,
    matches(requestMethod, requestPath) {
      if (method !== undefined && method !== requestMethod.toUpperCase()) return false;
      const parts = splitPath(requestPath);
      if (anyDepth ? parts.length < fixed.length : parts.length !== fixed.length) return false;
      return fixed.every((segment, i) => segment === '*' || segment.startsWith(':') || segment === parts[i]);
    },
  };
}

/** True when any of the patterns matches. */
export function matchesAny(patterns: readonly RoutePattern[], method: string, path: string): boolean {
  return patterns.some((pattern) => pattern.matches(method, path));
}
