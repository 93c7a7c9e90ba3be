/**
 * A Router that registers two handlers of one route as one: a handler that `leads` and the
 * handler registered right after it, for the same method and path, become `fold(lead, next)`.
 *
 * Why (docs/benchmarks.md): Hono calls a route whose match is a single handler directly, and answers
 * it in the same tick when the handler does not await; a match of two handlers goes through Hono's
 * `compose`, an async step each. The application folds each declared route's authorization step
 * into its handler when nothing sits between them (a route that validates nothing:
 * http/define-route.ts), so a cached credential is answered without a promise. The fold is
 * registration only: the step still runs first and decides, and the app's `routes` (what
 * test/http/route-policy.test.ts enumerates) still list both handlers.
 *
 * Hono adds a route's handlers to its router one after another, in order (`app.on(method, path,
 * ...handlers)`, and `app.route()` copies a module's routes in their order), so "registered right
 * after it" is exact. A lead is held back until the next registration shows whether it folds, and
 * registered as it is when the next one is for another method or path, or before any match.
 */
import type { Result, Router } from 'hono/router';
import type { RouterRoute } from 'hono/types';

/** Which handlers fold, and into what. */
export interface HandlerFold<H> {
  /** Whether `handler` folds with the handler registered right after it for the same method and path. */
  leads(handler: H): boolean;
  /** The one handler that stands for `lead` followed by `next`. */
  fold(lead: H, next: H): H;
}

type Entry<H> = [H, RouterRoute];

/**
 * @example
 * new OpenAPIHono({ router: new FoldingRouter(createHonoRouter(), authorizationFold) })
 */
export class FoldingRouter<H> implements Router<Entry<H>> {
  name = 'FoldingRouter';
  readonly #inner: Router<Entry<H>>;
  readonly #fold: HandlerFold<H>;
  /** A lead waiting for the next registration. */
  #held: { method: string; path: string; entry: Entry<H> } | undefined;

  constructor(inner: Router<Entry<H>>, fold: HandlerFold<H>) {
    this.#inner = inner;
    this.#fold = fold;
  }

  add(method: string, path: string, entry: Entry<H>): void {
    const held = this.#held;
    const leads = this.#fold.leads(entry[0]);
    if (held !== undefined && !leads && held.method === method && held.path === path) {
      this.#held = undefined;
      this.#inner.add(method, path, [this.#fold.fold(held.entry[0], entry[0]), entry[1]]);
      return;
    }
    this.#release();
    if (leads) this.#held = { method, path, entry };
    else this.#inner.add(method, path, entry);
  }

  match(method: string, path: string): Result<Entry<H>> {
    this.#release();
    return this.#inner.match(method, path);
  }

  /** Registers a held lead as it is. */
  #release(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    this.#inner.add(held.method, held.path, held.entry);
  }
}
