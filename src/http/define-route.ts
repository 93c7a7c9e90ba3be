/**
 * Declares a route once: its OpenAPI shape (validation, handler types and the document all come
 * from it) and its policy (category and scope). Every route goes through `declareRoute`, which puts
 * the authorization step first in the route's middleware and records the policy, so a test can list
 * the registered routes and fail on any route that skipped it (test/http/route-policy.test.ts).
 */
import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import type { AppEnv } from './context.js';
import type { RoutePolicy } from '../auth/policy.js';
import { authorizeStep } from './middleware/authorize.js';
import { errorResponses } from './openapi.js';
import type { HandlerFold } from '../platform/http/router/folding-router.js';

import type { RouteCategory } from '../auth/route-access.js';

/**
 * SPEC section 3 (see auth/route-access.ts): `data` and `execution` need a user credential;
 * `admin` the admin key; `token` routes carry their credential in the body (refresh token) or
 * mint one (anonymous); `health` and `keys` are public; `management` and `documentation` are
 * public unless THREADGATE_DEFAULT_PRIVATE is set.
 */
export type { RouteCategory };

export type { RoutePolicy };

/** Every declared route's policy, by `METHOD /openapi/{path}`. */
export const declaredPolicies = new Map<string, RoutePolicy>();

/**
 * @example
 * const getThread = declareRoute({ category: 'data', scope: 'threads:read' }, {
 *   method: 'get', path: '/v1/threads/{threadId}', responses: { 200: ... },
 * })
 * app.openapi(getThread, (c) => ...)
 */
export function declareRoute<R extends Omit<RouteConfig, 'middleware'>>(policy: RoutePolicy, route: R) {
  if ((policy.category === 'data' || policy.category === 'execution') && policy.scope === undefined) {
    throw new TypeError(`${route.method.toUpperCase()} ${route.path}: a ${policy.category} route must name its scope`);
  }
  const key = `${route.method.toUpperCase()} ${route.path}`;
  if (declaredPolicies.has(key)) throw new TypeError(`${key} is declared twice`);
  declaredPolicies.set(key, policy);
  const step = authorizeStep(policy, route.path);
  const validates = route.request !== undefined && Object.values(route.request).some((part) => part !== undefined);
  if (!validates) FOLDABLE_STEPS.add(step);
  const responses = { ...impliedErrors(policy.category), ...route.responses };
  return createRoute({ ...route, responses, middleware: [step] as const });
}

/**
 * The errors a route of `category` can answer whatever its handler does, which the document lists
 * for it unless the route declares them itself:
 * - a credential is checked (data, execution, admin): `401`; `429` once the client's address is
 *   over THREADGATE_AUTH_FAILURES_PER_MINUTE (middleware/auth-failures.ts); `503` when the
 *   database, or an identity provider with no cached keys, is unreachable;
 * - a token route (anonymous sign-in, refresh): `429` (its per-address limit) and `503` (the database).
 * Other categories (health, keys, capability URLs, management and documentation) read no
 * credential by default, so nothing is implied for them.
 */
function impliedErrors(category: RouteCategory) {
  switch (category) {
    case 'data':
    case 'execution':
    case 'admin':
      return errorResponses(401, 429, 503);
    case 'token':
      return errorResponses(429, 503);
    default:
      return {};
  }
}

type Handler = (c: Context, next: Next) => unknown;

/** Authorization steps of declared routes that validate nothing (see {@link authorizationFold}). */
const FOLDABLE_STEPS = new WeakSet<object>();

/**
 * The application router's fold (platform/http/router/folding-router.ts): a declared route that
 * validates nothing (no params, query, headers, cookies or body) has its authorization step and
 * its handler registered as one handler that runs the step, then the handler. Hono calls a route
 * with a single handler directly, and answers it in the same tick when neither awaits; with two it
 * composes them through an async step each (docs/benchmarks.md). The step runs first all the same
 * and decides all the same: only the bookkeeping between the two goes.
 *
 * @example
 * new PipelineApp(pipeline, { router: new FoldingRouter(createHonoRouter(), authorizationFold) })
 */
export const authorizationFold: HandlerFold<Handler> = {
  leads: (handler) => FOLDABLE_STEPS.has(handler),
  fold: (authorize, handler) => (c, next) => {
    let answer: unknown;
    const decided = authorize(c, () => (answer = handler(c, next)) as Promise<void>);
    // Admitted at once (a cached credential): the handler has already run, and `decided` is its
    // answer. Otherwise the handler runs once the step has decided.
    return decided instanceof Promise ? decided.then(() => answer) : answer;
  },
};

/**
 * A route module's application: a plain `OpenAPIHono`, its routes registered with
 * `app.openapi(route, handler)` as usual. The application that mounts it (createApp) folds each
 * declared route's authorization step into its handler where nothing sits between them
 * ({@link authorizationFold}).
 *
 * @example
 * export function meRoutes() {
 *   const app = createRouteModule()
 *   app.openapi(me, (c) => sendJson(c, ..., 200))
 *   return app
 * }
 */
export function createRouteModule(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>();
}
