/**
 * The authorization step. Every declared route runs it first (define-route.ts puts it there):
 * it authenticates the caller as the route's category requires and checks the route-level
 * rules (scope, credential source, anonymous). Object-level rules follow in the handler, where
 * every store call is bound to the principal's project and workspace.
 */
import type { MiddlewareHandler } from 'hono';
import { AuthenticationRequired, PolicyDenied } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import type { AppEnv } from '../context.js';
import type { RoutePolicy } from '../define-route.js';
import { extractBearer } from '../../auth/bearer.js';

export function authorizeStep(policy: RoutePolicy): MiddlewareHandler<AppEnv> {
  return async function authorize(c, next) {
    const deps = c.get('deps');
    c.set('routeCategory', policy.category);
    if (policy.category === 'admin') {
      await deps.adminKey.verify(extractBearer(c.req.header('authorization')));
    } else if (policy.category === 'data' || policy.category === 'execution') {
      const principal = await deps.authenticator.authenticate({
        authorization: c.req.header('authorization'),
        userIdHeader: c.req.header('aui-user-id'),
        workspaceIdHeader: c.req.header('aui-workspace-id'),
      });
      if (principal === undefined) throw new AuthenticationRequired();
      checkPolicy(policy, principal);
      c.set('principal', principal);
    }
    await next();
  };
}

function checkPolicy(policy: RoutePolicy, principal: Principal): void {
  if (policy.scope !== undefined && !principal.scopes.has(policy.scope)) {
    throw new PolicyDenied({
      message: `This credential lacks the "${policy.scope}" scope.`,
      fields: { scope: policy.scope },
    });
  }
  if (policy.sources !== undefined && !policy.sources.includes(principal.source)) {
    throw new PolicyDenied({ message: `This route does not accept a ${principal.source.replace('_', ' ')} credential.` });
  }
  if (policy.denyAnonymous === true && principal.anonymous) {
    throw new PolicyDenied({ message: 'An anonymous session cannot call this route.' });
  }
}

/** The principal of a data or execution route (set by the authorization step). */
export function requirePrincipal(c: { get(key: 'principal'): Principal | undefined }): Principal {
  const principal = c.get('principal');
  // Reaching here without a principal means a route was declared with a public category.
  if (principal === undefined) throw new AuthenticationRequired();
  return principal;
}
