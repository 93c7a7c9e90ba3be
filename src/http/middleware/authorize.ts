/**
 * The authorization step. Every declared route runs it first (define-route.ts puts it there):
 * it decides what the route needs (route-access.ts: public, a user credential, or the admin key),
 * authenticates the caller, and checks the route-level rules (scope, credential source, anonymous,
 * agent limits). Object-level rules follow in the handler, where every store call is bound to the
 * principal's project and workspace.
 *
 * Token exchange: when an identity-provider token or an app-signed user token authenticated the
 * request, the response carries `Authorization: Bearer <workspace token>`, which the
 * `assistant-cloud` client then uses until it nears expiry (AssistantCloudJWTAuthStrategy
 * .readAuthHeaders), so the provider's keys are not consulted on every request.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { AuthenticationRequired, PolicyDenied } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import { mintWorkspaceTokenFor } from '../../auth/workspace-token.js';
import type { AppEnv } from '../context.js';
import type { RoutePolicy } from '../define-route.js';
import { extractBearer } from '../../auth/bearer.js';
import { addResponseHeader } from '../respond.js';
import { requestHeader } from '../request-header.js';

/** Credential sources whose tokens are exchanged for a workspace token in the response. */
const EXCHANGED_SOURCES = new Set(['user_token', 'auth_rule']);

/**
 * WebSocket and EventSource clients cannot set headers: they send the credential as `?token=`
 * (admin: `?key=`), as VoltAgent does. Only those requests may, so tokens do not end up in the
 * URLs (and logs) of ordinary requests.
 */
function isStreamingHandshake(c: Context): boolean {
  return requestHeader(c, 'upgrade')?.toLowerCase() === 'websocket' || (requestHeader(c, 'accept') ?? '').includes('text/event-stream');
}

function userAuthorization(c: Context): string | undefined {
  const header = requestHeader(c, 'authorization');
  if (header !== undefined) return header;
  const token = isStreamingHandshake(c) ? c.req.query('token') : undefined;
  return token === undefined ? undefined : `Bearer ${token}`;
}

function adminCredential(c: Context): string | undefined {
  const header = requestHeader(c, 'authorization');
  if (header !== undefined) return extractBearer(header);
  return isStreamingHandshake(c) ? c.req.query('key') : undefined;
}

export function authorizeStep(policy: RoutePolicy): MiddlewareHandler<AppEnv> {
  return async function authorize(c, next) {
    const deps = c.get('deps');
    c.set('routeCategory', policy.category);
    const access = policy.category === 'data' || policy.category === 'execution' ? 'user' : deps.routeAccess.accessFor(policy.category, c.req.method, c.req.path);
    if (access === 'admin') {
      await deps.adminKey.verify(adminCredential(c));
      return next();
    }
    if (access === 'public') return next();

    const userTokenHeader = deps.config.userTokenHeader;
    const principal = await deps.authenticator.authenticate({
      authorization: userAuthorization(c),
      userIdHeader: requestHeader(c, 'aui-user-id'),
      workspaceIdHeader: requestHeader(c, 'aui-workspace-id'),
      ...(userTokenHeader !== null ? { userTokenHeader: requestHeader(c, userTokenHeader.toLowerCase()) } : {}),
    });
    if (principal === undefined) throw new AuthenticationRequired();
    checkPolicy(policy, principal, c);
    c.set('principal', principal);
    if (EXCHANGED_SOURCES.has(principal.source)) {
      // On every response to this request but a 401 (respond.ts).
      addResponseHeader(c, 'Authorization', `Bearer ${await exchangedToken(deps, principal)}`);
      addResponseHeader(c, 'Cache-Control', 'no-store');
    }
    await next();
  };
}

/**
 * The workspace token a verified principal is exchanged for, minted again once less than half of
 * its lifetime is left. Keyed by the principal object: the verified-credential cache hands out the
 * same object for as long as it holds the credential, so a client that keeps sending its user
 * token gets the same workspace token back instead of an ES256 signature per request; an evicted
 * or re-verified credential (new object) mints a new one. A token handed out again is no weaker
 * than a new one: it carries the same claims and is checked for revocation on every use.
 */
const exchanged = new WeakMap<Principal, { token: string; renewAt: number }>();

async function exchangedToken(deps: AppEnv['Variables']['deps'], principal: Principal): Promise<string> {
  const now = deps.clock() / 1000;
  const held = exchanged.get(principal);
  if (held !== undefined && now < held.renewAt) return held.token;
  const minted = await mintWorkspaceTokenFor(deps.keyring, deps.config, principal, deps.clock);
  exchanged.set(principal, { token: minted.token, renewAt: minted.expiresAt - deps.config.workspaceTokenTtlSeconds / 2 });
  return minted.token;
}

function checkPolicy(policy: RoutePolicy, principal: Principal, c: Context): void {
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
  if (policy.agentParam !== undefined) {
    const agentId = c.req.param(policy.agentParam);
    if (agentId !== undefined && !allowsAgent(principal, agentId)) {
      throw new PolicyDenied({ message: 'This credential is not allowed to use this agent.' });
    }
  }
}

/** Agent limits (SPEC 4): a credential scoped to agents A and B reaches those two only. */
export function allowsAgent(principal: Principal, agentId: string): boolean {
  return principal.agents === 'all' || principal.agents.includes(agentId);
}

/** The principal of a data or execution route (set by the authorization step). */
export function requirePrincipal(c: { get(key: 'principal'): Principal | undefined }): Principal {
  const principal = c.get('principal');
  // Reaching here without a principal means a route was declared with a public category.
  if (principal === undefined) throw new AuthenticationRequired();
  return principal;
}
