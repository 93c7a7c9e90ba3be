/**
 * Hono's router, with the answer for each static route path remembered.
 *
 * Hono's fastest router (RegExpRouter) refuses this route table: it cannot hold a static segment
 * and a parameter at the same place for the same method (`POST /v1/threads/claim` beside
 * `POST /v1/threads/:threadId/messages`), so Hono's SmartRouter falls back to the TrieRouter, which
 * splits and walks the path on every request (a measured cost: docs/benchmarks.md).
 * RegExpRouter itself answers static paths from a precomputed map; this does the same in front of
 * whichever router SmartRouter picks: the first match of a path that some route registers
 * literally (no `:param`, no `*`) is kept, and later requests for that method and path get the same
 * answer without a search.
 *
 * The answer is the one the inner router gave, so nothing about matching changes: a router's
 * answer depends only on the method and the path, and the table is fixed once requests arrive
 * (adding a route drops what was kept). Hono only reads a match result, never writes to it;
 * RegExpRouter hands out shared results for static paths the same way. Memory is bounded by the
 * route table: only paths registered literally, and only methods some route names, are kept.
 */
import { METHOD_NAME_ALL, type Result, type Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

/** Hono's own default router: RegExpRouter, or TrieRouter for a table RegExpRouter cannot hold. */
export function createHonoRouter<T>(): Router<T> {
  return new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] });
}

export class StaticFirstRouter<T> implements Router<T> {
  name = 'StaticFirstRouter';
  readonly #inner: Router<T>;
  /** Paths some route registers literally. */
  readonly #staticPaths = new Set<string>();
  /** Methods some route names (not ALL: any method matches those, and methods come from clients). */
  readonly #methods = new Set<string>();
  /** Kept answers, by method then path. */
  #kept = new Map<string, Map<string, Result<T>>>();

  constructor(inner: Router<T> = createHonoRouter()) {
    this.#inner = inner;
  }

  add(method: string, path: string, handler: T): void {
    this.#inner.add(method, path, handler);
    if (!path.includes(':') && !path.includes('*')) this.#staticPaths.add(path);
    if (method !== METHOD_NAME_ALL) this.#methods.add(method);
    this.#kept = new Map();
  }

  match(method: string, path: string): Result<T> {
    const kept = this.#kept.get(method)?.get(path);
    if (kept !== undefined) return kept;
    const result = this.#inner.match(method, path);
    if (this.#staticPaths.has(path) && this.#methods.has(method)) {
      let byPath = this.#kept.get(method);
      if (byPath === undefined) this.#kept.set(method, (byPath = new Map()));
      byPath.set(path, result);
    }
    return result;
  }
}
