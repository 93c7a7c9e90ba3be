/**
 * The headers every response carries: security headers and CORS for the configured origins.
 *
 * Security headers, by what the response is:
 * - API responses (JSON, empty): the set the OWASP REST Security Cheat Sheet lists for APIs,
 *   `Cache-Control: no-store` (a route may set its own, as the JWKS does), `Content-Security-Policy:
 *   frame-ancestors 'none'`, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
 *   `Strict-Transport-Security`;
 * - HTML pages (`/ui`): Hono's `secureHeaders` defaults (Cross-Origin-Resource-Policy left out),
 *   the browser-document set.
 *
 * For each allowed origin the whole set is built once, frozen, and shared by every request from
 * it; handlers answering through respond.ts pass it to the response as it is (copying only when a
 * middleware adds a header), and the request pipeline gives any other response the headers it
 * lacks after the fact (platform/http/complete-standard-headers.ts, an on-response hook). No
 * middleware layer is involved: the pipeline hands the sets to every request through its bindings.
 *
 * CORS preflights (OPTIONS) are Hono's `cors` middleware itself. For other requests this adds what
 * that middleware adds: `Access-Control-Allow-Origin` (`*`, or the request's origin when listed),
 * `Access-Control-Expose-Headers`, and `Vary: Origin` when the answer depends on the origin.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../context.js';
import { requestHeader } from '../request-header.js';

/** Headers a browser client sends and may read (the client reads a refreshed `Authorization`). */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Aui-User-Id', 'Aui-Workspace-Id', 'Aui-Sdk'];
export const CORS_EXPOSE_HEADERS = ['Authorization', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'WWW-Authenticate'];

/** OWASP REST Security Cheat Sheet, "Security headers": what an API response carries. */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
});

/** What Hono's `secureHeaders` sets, read once from the middleware itself so the values stay Hono's. */
async function browserSecurityHeaders(): Promise<Readonly<Record<string, string>>> {
  const probe = new Hono();
  probe.use('*', secureHeaders({ crossOriginResourcePolicy: false }));
  probe.get('/', (c) => c.body(null, 204));
  const response = await probe.request('/');
  return Object.freeze(Object.fromEntries(response.headers));
}

/** For HTML pages: Hono's `secureHeaders` defaults. */
export const PAGE_SECURITY_HEADERS = await browserSecurityHeaders();

export interface StandardHeadersOptions {
  /** Allowed origins: `['*']`, a list, or none (no CORS headers at all). */
  corsOrigins: readonly string[];
  /** Extra request header browsers may send (THREADGATE_USER_TOKEN_HEADER). */
  userTokenHeader: string | null;
}

/** The standard headers of one application (the request pipeline hands them to every request: platform/http/pipeline.ts). */
export interface StandardHeaderSets {
  /** The whole set for the request `c` (by its Origin): one frozen object shared by many requests. */
  forRequest(c: Context): Readonly<Record<string, string>>;
  /**
   * Gives a response built some other way than respond.ts (Hono's own, an HTML page, a preflight)
   * the standard headers it lacks, for a request of `method` from `origin`.
   */
  complete(response: Response, method: string, origin: string | undefined): Response;
  /** CORS preflights (OPTIONS): Hono's `cors` middleware; none when CORS is off. */
  preflight: MiddlewareHandler<AppEnv> | undefined;
}

/**
 * @example
 * const headers = createStandardHeaderSets({ corsOrigins: ['https://app.example'], userTokenHeader: null })
 */
export function createStandardHeaderSets(options: StandardHeadersOptions): StandardHeaderSets {
  const anyOrigin = options.corsOrigins.includes('*');
  const corsOn = options.corsOrigins.length > 0;
  const exposeHeaders = CORS_EXPOSE_HEADERS.join(',');
  const preflight = corsOn
    ? cors({
        origin: anyOrigin ? '*' : [...options.corsOrigins],
        allowHeaders: options.userTokenHeader === null ? CORS_ALLOW_HEADERS : [...CORS_ALLOW_HEADERS, options.userTokenHeader],
        exposeHeaders: CORS_EXPOSE_HEADERS,
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      })
    : undefined;

  const build = (allowOrigin: string | undefined): Readonly<Record<string, string>> =>
    Object.freeze({
      ...API_SECURITY_HEADERS,
      ...(allowOrigin !== undefined ? { 'Access-Control-Allow-Origin': allowOrigin } : {}),
      ...(corsOn ? { 'Access-Control-Expose-Headers': exposeHeaders } : {}),
      ...(corsOn && !anyOrigin ? { Vary: 'Origin' } : {}),
    });
  /** The whole set for a request from an origin not allowed (or no origin, or CORS off). */
  const unlisted = build(anyOrigin ? '*' : undefined);
  const byOrigin = new Map(anyOrigin ? [] : options.corsOrigins.map((origin) => [origin, build(origin)] as const));
  const forOrigin = (origin: string | undefined) => (origin !== undefined ? byOrigin.get(origin) : undefined) ?? unlisted;

  return {
    forRequest(c) {
      return byOrigin.size === 0 ? unlisted : forOrigin(requestHeader(c, 'origin'));
    },
    complete(response, method, origin) {
      // A preflight gets its CORS headers from Hono's cors middleware.
      const standard = preflight !== undefined && method === 'OPTIONS' ? API_SECURITY_HEADERS : forOrigin(origin);
      const isPage = response.headers.get('Content-Type')?.startsWith('text/html') === true;
      const headers = Object.entries(standard);
      const toAdd = isPage ? [...headers.filter(([name]) => !(name in API_SECURITY_HEADERS)), ...Object.entries(PAGE_SECURITY_HEADERS)] : headers;
      for (const [name, value] of toAdd) {
        if (name === 'Vary') {
          const vary = response.headers.get('Vary');
          if (vary === null || !vary.split(',').some((item) => item.trim().toLowerCase() === 'origin')) response.headers.append('Vary', value);
        } else if (!response.headers.has(name)) {
          response.headers.set(name, value);
        }
      }
      return response;
    },
    preflight,
  };
}
