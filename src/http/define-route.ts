/**
 * Declares a route once: its OpenAPI shape (validation, handler types and the document all come
 * from it) and its policy (category and scope). Every route goes through `declareRoute`, which puts
 * the authorization step first in the route's middleware and records the policy, so a test can list
 * the registered routes and fail on any route that skipped it (test/http/route-policy.test.ts).
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Scope } from '../auth/principal.js';
import type { CredentialSource } from '../auth/principal.js';
import { authorizeStep } from './middleware/authorize.js';

import type { RouteCategory } from '../auth/route-access.js';

/**
 * SPEC section 3 (see auth/route-access.ts): `data` and `execution` need a user credential;
 * `admin` the admin key; `token` routes carry their credential in the body (refresh token) or
 * mint one (anonymous); `health` and `keys` are public; `management` and `documentation` are
 * public unless THREADGATE_DEFAULT_PRIVATE is set.
 */
export type { RouteCategory };

export interface RoutePolicy {
  category: RouteCategory;
  /** The scope a data or execution route needs. */
  scope?: Scope;
  /** Only these credential sources may call (e.g. minting needs an API key). */
  sources?: readonly CredentialSource[];
  /** Anonymous principals may not call (claim). */
  denyAnonymous?: boolean;
  /** The path parameter naming an agent: the principal's agent limits apply to it. */
  agentParam?: string;
}

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
  return createRoute({ ...route, middleware: [authorizeStep(policy)] as const });
}
