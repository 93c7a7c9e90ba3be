/**
 * The request pipeline: what every request of an application goes through around Hono's own
 * dispatch (routing, middleware, the handler, not-found and the error handler), in three explicit,
 * synchronous hooks:
 * - `onRequest`, before routing, once per request;
 * - `onAuthenticated`, when the authorization step has accepted a credential (never on a public
 *   route, nor for a refused credential: refusals are domain events, `auth.failed`);
 * - `onResponse`, once the response is built, once per request, whatever answered it: a route,
 *   not-found, the body limit, the error handler. A hook may hand back the response to send
 *   instead (the standard headers' completion does); the next hook sees that one.
 *
 * Hooks run in the order given, and synchronously: a hook is a function call in the request's own
 * tick, not a Hono middleware layer (each layer costs a request an async step, and these run on
 * every request: docs/benchmarks.md). The request metrics are the first `onResponse` hook
 * (platform/metrics/request-metrics.ts), the standard headers' completion the second
 * (complete-standard-headers.ts). `PipelineApp` (pipeline-app.ts) runs the pipeline on every
 * `fetch`, and so on every `app.request` too.
 *
 * The pipeline also hands every request its application's context (the dependencies and the
 * standard header sets) through the request's bindings (`c.env`), so no middleware has to set it:
 * `depsOf(c)` is how any code reaches the dependencies.
 */
import type { Context } from 'hono';
import type { AppDeps } from '../../http/context.js';
import type { StandardHeaderSets } from '../../http/middleware/standard-headers.js';
import type { Principal } from '../../auth/principal.js';

/** What an application gives every request: its dependencies and its standard response headers. */
export interface AppContext {
  deps: AppDeps;
  headers: StandardHeaderSets;
}

/** One request on its way through the pipeline, as the hooks see it. */
export interface Exchange {
  readonly request: Request;
  /** The request's bindings (`c.env`): on @hono/node-server, `{ incoming, outgoing }`. */
  readonly bindings: object;
  /** `performance.now()` when the request entered the pipeline. */
  readonly startedAt: number;
  /** The declared route's template (`/v1/threads/{threadId}`) once the authorization step ran; `undefined` when no declared route did. */
  route: string | undefined;
  readonly context: AppContext;
}

/** A credential the authorization step accepted. */
export interface Authenticated {
  /** The credential's kind: the principal's source (`workspace_token`, `api_key`, ...), or `admin_key`. */
  credential: string;
  /** The principal; `undefined` for the admin key, which acts for no user. */
  principal: Principal | undefined;
}

export interface PipelineHook {
  /** Names the hook in tests and logs. */
  readonly name: string;
  onRequest?(exchange: Exchange): void;
  onAuthenticated?(exchange: Exchange, authenticated: Authenticated): void;
  /** May return the response to send instead of `response`. */
  onResponse?(exchange: Exchange, response: Response): Response | void;
}

/** Hono's dispatch, as `fetch` offers it. */
export type Dispatch = (request: Request, bindings: object, executionCtx: unknown) => Response | Promise<Response>;

const EXCHANGE = Symbol('threadgate.exchange');

interface Bindings {
  [EXCHANGE]?: Exchange & { readonly pipeline: RequestPipeline };
}

/**
 * @example
 * const pipeline = new RequestPipeline({ deps, headers }, [requestMetrics(deps.metrics), completeStandardHeaders(headers)])
 * const app = new PipelineApp(pipeline)
 */
export class RequestPipeline {
  readonly context: AppContext;
  readonly hooks: readonly PipelineHook[];
  readonly #onRequest: ((exchange: Exchange) => void)[];
  readonly #onAuthenticated: ((exchange: Exchange, authenticated: Authenticated) => void)[];
  readonly #onResponse: ((exchange: Exchange, response: Response) => Response | void)[];

  constructor(context: AppContext, hooks: readonly PipelineHook[]) {
    this.context = context;
    this.hooks = Object.freeze([...hooks]);
    this.#onRequest = hooks.flatMap((hook) => (hook.onRequest === undefined ? [] : [hook.onRequest.bind(hook)]));
    this.#onAuthenticated = hooks.flatMap((hook) => (hook.onAuthenticated === undefined ? [] : [hook.onAuthenticated.bind(hook)]));
    this.#onResponse = hooks.flatMap((hook) => (hook.onResponse === undefined ? [] : [hook.onResponse.bind(hook)]));
  }

  /**
   * Runs one request: the `onRequest` hooks, then `dispatch` with the request's bindings carrying
   * the exchange, then the `onResponse` hooks on its response, in the tick it is ready.
   *
   * @param env the bindings the runtime passed to `fetch` (@hono/node-server makes a new object
   *   per request); a new object when none.
   */
  run(request: Request, env: unknown, executionCtx: unknown, dispatch: Dispatch): Response | Promise<Response> {
    const bindings: Bindings = env !== undefined && env !== null ? (env as Bindings) : {};
    const exchange = { request, bindings, startedAt: performance.now(), route: undefined, context: this.context, pipeline: this };
    bindings[EXCHANGE] = exchange;
    for (const hook of this.#onRequest) hook(exchange);
    const response = dispatch(request, bindings, executionCtx);
    return response instanceof Promise ? response.then((done) => this.#respond(exchange, done)) : this.#respond(exchange, response);
  }

  #respond(exchange: Exchange, response: Response): Response {
    let answer = response;
    for (const hook of this.#onResponse) answer = hook(exchange, answer) ?? answer;
    return answer;
  }

  /** Runs the `onAuthenticated` hooks (see {@link reportAuthenticated}). */
  authenticated(exchange: Exchange, authenticated: Authenticated): void {
    for (const hook of this.#onAuthenticated) hook(exchange, authenticated);
  }
}

function exchangeOf(c: Context): (Exchange & { readonly pipeline: RequestPipeline }) | undefined {
  return (c.env as Bindings | undefined)?.[EXCHANGE];
}

function requireExchange(c: Context) {
  const exchange = exchangeOf(c);
  if (exchange === undefined) throw new TypeError('no request pipeline: this runs only inside an application built by createApp (a PipelineApp)');
  return exchange;
}

/**
 * The application's dependencies, for any code that runs in a request: middleware, handlers, the
 * error handler. The one way to reach them. Throws a `TypeError` outside an application built by createApp:
 * that is a wiring mistake, not a request's failure.
 *
 * @example
 * const { store, config } = depsOf(c)
 */
export function depsOf(c: Context): AppDeps {
  return requireExchange(c).context.deps;
}

/**
 * The application's standard header sets, `undefined` outside an application built by createApp
 * (respond.ts then sends no standard headers: a plain Hono app using `sendJson`).
 */
export function standardHeaderSetsOf(c: Context): StandardHeaderSets | undefined {
  return exchangeOf(c)?.context.headers;
}

/**
 * Names the request's route (its declared template) for the `onResponse` hooks. The authorization
 * step calls it, first on every declared route.
 */
export function noteRoute(c: Context, route: string): void {
  requireExchange(c).route = route;
}

/**
 * Tells the pipeline's `onAuthenticated` hooks that the authorization step accepted a credential.
 *
 * @example
 * reportAuthenticated(c, { credential: principal.source, principal })
 */
export function reportAuthenticated(c: Context, authenticated: Authenticated): void {
  const exchange = requireExchange(c);
  exchange.pipeline.authenticated(exchange, authenticated);
}
