/**
 * Which routes need a credential (SPEC section 3, VoltAgent's model made explicit). Data and
 * execution routes always need a user credential and admin routes the admin key, whatever the
 * configuration. Management and documentation routes (and an app's own routes, through
 * `threadgate/hono`) are public unless `defaultPrivate` is set, and then only `publicRoutes` stay
 * public. Health and the JWKS stay public: load balancers and token verifiers need them.
 */
import { compileRoutePattern, matchesAny, type RoutePattern } from './route-pattern.js';

/**
 * `capability`: the URL is the credential (a signed file URL, or a file's public URL whose key
 * nobody can guess), so `<img src>` and a plain `PUT` work: public, whatever the configuration.
 */
export type RouteCategory = 'data' | 'execution' | 'management' | 'documentation' | 'health' | 'keys' | 'admin' | 'token' | 'capability' | 'custom' | 'metrics';

export interface RouteAccessOptions {
  /** Everything private except `publicRoutes` (and health, keys, token routes). Default false. */
  defaultPrivate?: boolean;
  /** Patterns such as `GET /health`, `POST /webhooks/*`, `/public/**`. */
  publicRoutes?: readonly string[];
  /** `GET /metrics` without the admin key (THREADGATE_METRICS_PUBLIC). Default false. */
  metricsPublic?: boolean;
}

export type Access = 'public' | 'user' | 'admin';

export interface RouteAccess {
  /** What a request on this route must present. */
  accessFor(category: RouteCategory, method: string, path: string): Access;
}

/**
 * @example
 * const access = createRouteAccess({ defaultPrivate: true, publicRoutes: ['GET /doc'] })
 * access.accessFor('documentation', 'GET', '/doc') // 'public'
 * access.accessFor('management', 'GET', '/v1/agents') // 'user'
 */
export function createRouteAccess(options: RouteAccessOptions = {}): RouteAccess {
  const defaultPrivate = options.defaultPrivate ?? false;
  const publicRoutes: RoutePattern[] = (options.publicRoutes ?? []).map(compileRoutePattern);
  const metrics: Access = options.metricsPublic === true ? 'public' : 'admin';
  return {
    accessFor(category, method, path) {
      switch (category) {
        case 'data':
        case 'execution':
          return 'user';
        case 'admin':
          return 'admin';
        // The admin key, unless the operator made the metrics public.
        case 'metrics':
          return metrics;
        case 'health':
        case 'keys':
        case 'token':
        case 'capability':
          return 'public';
        case 'management':
        case 'documentation':
        case 'custom':
          if (matchesAny(publicRoutes, method, path)) return 'public';
          return defaultPrivate ? 'user' : 'public';
      }
    },
  };
}
