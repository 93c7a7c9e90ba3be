/**
 * `threadgate/hono`: Threadgate's verification and route policy as Hono middleware, so an app can
 * protect its own routes with the same rules the server uses (SPEC section 3).
 *
 * @example
 * import { Hono } from 'hono'
 * import { threadgateAuth, createRemoteWorkspaceTokenVerifier } from 'threadgate/hono'
 *
 * const app = new Hono()
 * app.use('*', threadgateAuth({
 *   verify: createRemoteWorkspaceTokenVerifier({ jwksUrl: 'https://auth.example.com/.well-known/jwks.json' }),
 *   defaultPrivate: true,
 *   publicRoutes: ['GET /health', 'POST /webhooks/*'],
 *   mapUser: (principal) => ({ id: principal.userId, workspace: principal.workspaceId }),
 * }))
 * app.get('/me', (c) => c.json(c.get('user')))
 */
import type { MiddlewareHandler } from 'hono';
import { AuthenticationRequired, ThreadgateError } from './errors.js';
import { extractBearer } from './auth/bearer.js';
import { compileRoutePattern, matchesAny } from './auth/route-pattern.js';
import type { Principal } from './auth/principal.js';
import type { Authenticator } from './auth/authenticate.js';
import { respondWithError } from './http/middleware/error-handler.js';

export { createRemoteWorkspaceTokenVerifier, type RemoteWorkspaceTokenOptions } from './auth/remote-workspace-token.js';
export type { Principal, Scope } from './auth/principal.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by threadgateAuth when the request carried a valid credential. */
    principal?: Principal;
    /** mapUser(principal), when threadgateAuth has a mapUser. */
    user?: unknown;
  }
}

export interface ThreadgateAuthOptions {
  /**
   * Turns a bearer token into a principal: `createRemoteWorkspaceTokenVerifier(...)` for a
   * Threadgate server's workspace tokens, or an in-process `Authenticator` (every credential).
   */
  verify: ((token: string) => Promise<Principal>) | Authenticator;
  /** Every route needs a credential except `publicRoutes`. Default false: only `privateRoutes` do. */
  defaultPrivate?: boolean;
  /** With defaultPrivate: patterns that stay public (`GET /health`, `POST /webhooks/*`, `/public/**`). */
  publicRoutes?: readonly string[];
  /** Without defaultPrivate: patterns that need a credential. */
  privateRoutes?: readonly string[];
  /** Claims → your user object, stored as `c.get('user')`. */
  mapUser?: (principal: Principal) => unknown;
  /**
   * With an in-process Authenticator: the second header that carries user tokens, as the
   * server's THREADGATE_USER_TOKEN_HEADER (e.g. `X-Algolia-Secure-User-Token`).
   */
  userTokenHeader?: string;
}

/**
 * Creates the middleware. Options are checked here, once (a bad pattern throws a TypeError).
 * On a private route a missing or invalid credential is a 401 with the JSON error contract; on a
 * public route a valid credential still sets the principal, and an invalid one is ignored.
 */
export function threadgateAuth(options: ThreadgateAuthOptions): MiddlewareHandler {
  if (typeof options.verify !== 'function' && typeof options.verify?.authenticate !== 'function') {
    throw new TypeError('threadgateAuth: verify must be a function or an Authenticator');
  }
  const defaultPrivate = options.defaultPrivate ?? false;
  const publicRoutes = (options.publicRoutes ?? []).map(compileRoutePattern);
  const privateRoutes = (options.privateRoutes ?? []).map(compileRoutePattern);

  /** The principal, or a promise of it; throws (or rejects) as the verifier does. Awaited by the caller. */
  const verify = (authorization: string | undefined, headers: (name: string) => string | undefined): Principal | undefined | Promise<Principal | undefined> => {
    if (typeof options.verify === 'function') {
      const token = extractBearer(authorization);
      return token === undefined ? undefined : options.verify(token);
    }
    const input = {
      authorization,
      userIdHeader: headers('aui-user-id'),
      workspaceIdHeader: headers('aui-workspace-id'),
      ...(options.userTokenHeader !== undefined ? { userTokenHeader: headers(options.userTokenHeader) } : {}),
    };
    // A credential the authenticator's cache holds is answered at once, as on the server.
    return options.verify.authenticate(input);
  };

  return async function threadgate(c, next) {
    const method = c.req.method;
    const path = c.req.path;
    const needsCredential = defaultPrivate ? !matchesAny(publicRoutes, method, path) : matchesAny(privateRoutes, method, path);
    let principal: Principal | undefined;
    try {
      principal = await verify(c.req.header('authorization'), (name) => c.req.header(name));
      if (needsCredential && principal === undefined) throw new AuthenticationRequired();
    } catch (error) {
      if (!needsCredential && error instanceof ThreadgateError && error.status === 401) principal = undefined;
      else if (error instanceof ThreadgateError) return respondWithError(c, error);
      else throw error;
    }
    if (principal !== undefined) {
      c.set('principal', principal);
      if (options.mapUser) c.set('user', options.mapUser(principal));
    }
    await next();
  };
}
