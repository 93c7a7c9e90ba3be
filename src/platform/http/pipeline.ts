/**
 * What the application gives every request before any of its handlers run: its dependencies and
 * its standard response headers. `app.fetch` carries them in the request's bindings (`c.env`),
 * instead of a global middleware setting them: every Hono middleware layer costs a request an
 * async step (docs/benchmarks.md), and this one would run on every
 * request. The authorization step, first on every declared route, copies the dependencies to
 * `c.var.deps`; anything that runs before it (the body limit, not-found, errors) reads them here.
 *
 * `app.fetch` also gives any response not built through respond.ts (Hono's own, the HTML page, a
 * preflight) the standard headers it lacks, as the global middleware did.
 *
 * It is also where every response is complete, so the request metrics are observed here, once per
 * request (platform/metrics/metrics.ts): the route is the template the authorization step noted
 * (`noteRoute`), or `unmatched` when no declared route ran (not found, a body over the limit).
 */
import type { Context } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from './context.js';
import type { StandardHeaderSets } from './middleware/standard-headers.js';
import { hasStandardHeaders } from './response-mark.js';
import { rawHeader, rawHeadersOf } from './request-header.js';
import { UNMATCHED_ROUTE } from '../platform/metrics/metrics.js';

export interface AppContext {
  deps: AppDeps;
  headers: StandardHeaderSets;
}

const APP_CONTEXT = Symbol('threadgate.appContext');
const ROUTE = Symbol('threadgate.route');

interface Bindings {
  [APP_CONTEXT]?: AppContext;
  [ROUTE]?: string;
}

/**
 * Names the request's route (its declared template, `/v1/threads/{threadId}`) for the request
 * metrics. The authorization step calls it, first on every declared route.
 */
export function noteRoute(c: Context, route: string): void {
  const bindings = c.env as Bindings | undefined;
  if (bindings !== undefined && bindings !== null) bindings[ROUTE] = route;
}

/** The application's context of the request `c`; `undefined` outside an app built by createApp. */
export function appContextOf(c: Context): AppContext | undefined {
  return (c.env as Bindings | undefined)?.[APP_CONTEXT];
}

/**
 * The application's dependencies, for code that may run before the authorization step (which
 * copies them to `c.var.deps`): the error handler, which must answer even outside an application
 * built by createApp; `undefined` there.
 */
export function findDeps(c: Context): AppDeps | undefined {
  return (c.get('deps') as AppDeps | undefined) ?? appContextOf(c)?.deps;
}

/** {@link findDeps}, for middleware of a path (a rate limit): throws outside an application built by createApp. */
export function depsOf(c: Context): AppDeps {
  const deps = findDeps(c);
  if (deps === undefined) throw new TypeError('no application context: this runs only inside an application built by createApp');
  return deps;
}

/** The request's `Origin`, read as `requestHeader` reads it (request-header.ts). */
function originOf(request: Request, bindings: Bindings): string | undefined {
  const raw = rawHeadersOf(bindings);
  return raw === undefined ? (request.headers.get('origin') ?? undefined) : rawHeader(raw, 'origin');
}

/**
 * Makes `app.fetch` (and so `app.request`, which calls it) hand `context` to every request and
 * complete the standard headers of the responses that lack them.
 */
export function bindAppContext(app: OpenAPIHono<AppEnv>, context: AppContext): void {
  const dispatch = app.fetch;
  const metrics = context.deps.metrics;
  const complete = (request: Request, bindings: Bindings, response: Response, start: number): Response => {
    metrics.observeRequest(request.method, bindings[ROUTE] ?? UNMATCHED_ROUTE, response.status, (performance.now() - start) / 1000);
    if (hasStandardHeaders(response)) return response;
    return context.headers.complete(response, request.method, originOf(request, bindings));
  };
  app.fetch = (request, env, executionCtx) => {
    const start = performance.now();
    // @hono/node-server makes a new bindings object ({ incoming, outgoing }) per request.
    const bindings: Bindings = env !== undefined && env !== null ? (env as Bindings) : {};
    bindings[APP_CONTEXT] = context;
    const response = dispatch(request, bindings, executionCtx);
    return response instanceof Promise ? response.then((done) => complete(request, bindings, done, start)) : complete(request, bindings, response, start);
  };
}
