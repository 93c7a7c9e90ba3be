/**
 * The authorization step. Every declared route runs it first (define-route.ts puts it there):
 * it decides what the route needs (route-access.ts: public, a user credential, or the admin key),
 * authenticates the caller, and checks the route-level rules (auth/policy.ts: scope, credential
 * source, anonymous, agent limits). Object-level rules follow in the handler, where every store call is bound to the
 * principal's project and workspace.
 *
 * Token exchange: when an identity-provider token or an app-signed user token authenticated the
 * request, the response carries `Authorization: Bearer <workspace token>`, which the
 * `assistant-cloud` client then uses until it nears expiry (AssistantCloudJWTAuthStrategy
 * .readAuthHeaders), so the provider's keys are not consulted on every request.
 */
import type { Context, MiddlewareHandler, Next } from 'hono';
import { AuthenticationRequired } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import { mintWorkspaceTokenFor } from '../../auth/workspace-token.js';
import { readUserRevocationMark } from '../../auth/revocation.js';
import type { AppDeps, AppEnv } from '../context.js';
import type { AuthenticateInput } from '../../auth/authenticate.js';
import { checkRoutePolicy, type RoutePolicy } from '../../auth/policy.js';
import { extractBearer } from '../../auth/bearer.js';
import { standardHeadersOf } from '../respond.js';
import { requestHeader } from '../request-header.js';
import { depsOf, noteRoute, reportAuthenticated } from '../../platform/http/pipeline.js';

/** Credential sources whose tokens are exchanged for a workspace token in the response. */
const EXCHANGED_SOURCES = new Set(['user_token', 'auth_rule']);

/** Whether the principal's credential is exchanged: a service rule's token (a backend's own) is not. */
function exchanges(principal: Principal): boolean {
  return EXCHANGED_SOURCES.has(principal.source) && principal.service !== true;
}

/**
 * WebSocket and EventSource clients cannot set headers: they send the credential as `?token=`
 * (admin: `?key=`), as VoltAgent does. Only routes declared `streaming` accept it, and only on
 * the handshake, so tokens do not end up in the URLs (and logs) of ordinary requests.
 */
function isStreamingHandshake(c: Context): boolean {
  return requestHeader(c, 'upgrade')?.toLowerCase() === 'websocket' || (requestHeader(c, 'accept') ?? '').includes('text/event-stream');
}

function userAuthorization(c: Context, streaming: boolean): string | undefined {
  const header = requestHeader(c, 'authorization');
  if (header !== undefined) return header;
  const token = streaming && isStreamingHandshake(c) ? c.req.query('token') : undefined;
  return token === undefined ? undefined : `Bearer ${token}`;
}

function adminCredential(c: Context, streaming: boolean): string | undefined {
  const header = requestHeader(c, 'authorization');
  if (header !== undefined) return extractBearer(header);
  return streaming && isStreamingHandshake(c) ? c.req.query('key') : undefined;
}

/**
 * @param route the route's template (`/v1/threads/{threadId}`), named to the pipeline's hooks
 *   (the request metrics).
 */
export function authorizeStep(policy: RoutePolicy, route?: string): MiddlewareHandler<AppEnv> {
  const alwaysUser = policy.category === 'data' || policy.category === 'execution';
  const streaming = policy.streaming === true;
  return function authorize(c: Context<AppEnv>, next: Next): ReturnType<MiddlewareHandler<AppEnv>> {
    if (route !== undefined) noteRoute(c, route);
    const deps = depsOf(c);
    // Unless a middleware of the path (a rate limit) has already added to them.
    if (c.get('responseHeaders') === undefined) c.set('responseHeaders', standardHeadersOf(c));
    const access = alwaysUser ? 'user' : deps.routeAccess.accessFor(policy.category, c.req.method, c.req.path);
    if (access === 'public') return next();
    // An address over the failed-authentication limit is refused before its credential is
    // looked at: synchronous, from memory, nothing at all while no address is blocked
    // (auth-failures.ts). Failures themselves are counted where they are answered (error-handler.ts).
    deps.authFailures.refuseIfBlocked(c);
    if (access === 'admin') {
      return deps.adminKey.verify(adminCredential(c, streaming)).then(() => {
        reportAuthenticated(c, { credential: 'admin_key', principal: undefined });
        return next();
      });
    }

    // One call: a credential the verified-credential cache holds is answered at once, and the
    // handler then runs in the same tick (docs/benchmarks.md); anything else is a promise.
    const answer = deps.authenticator.authenticate(credentialInput(c, deps.config.userTokenHeader, streaming));
    if (answer instanceof Promise) {
      deps.metrics.countCredentialCache(false);
      return answer.then((principal) => admitVerified(c, next, policy, principal));
    }
    if (answer === undefined) throw new AuthenticationRequired();
    deps.metrics.countCredentialCache(true);
    reportAuthenticated(c, { credential: answer.source, principal: answer });
    if (admit(c, policy, answer, exchanges(answer) ? heldExchangedToken(deps, answer) : undefined)) return next();
    // Its exchanged workspace token is due again.
    return mintThenAdmit(c, next, policy, answer);
  };
}

/** The rest of the authorization step once the authenticator has verified the credential in full. */
async function admitVerified(c: Context<AppEnv>, next: Next, policy: RoutePolicy, principal: Principal | undefined): Promise<void> {
  if (principal === undefined) throw new AuthenticationRequired();
  reportAuthenticated(c, { credential: principal.source, principal });
  await mintThenAdmit(c, next, policy, principal);
}

async function mintThenAdmit(c: Context<AppEnv>, next: Next, policy: RoutePolicy, principal: Principal): Promise<void> {
  const deps = depsOf(c);
  const exchangedToken = exchanges(principal) ? (heldExchangedToken(deps, principal) ?? (await mintExchangedToken(deps, principal))) : undefined;
  admit(c, policy, principal, exchangedToken);
  await next();
}

function credentialInput(c: Context, userTokenHeader: string | null, streaming: boolean): AuthenticateInput {
  return {
    authorization: userAuthorization(c, streaming),
    userIdHeader: requestHeader(c, 'aui-user-id'),
    workspaceIdHeader: requestHeader(c, 'aui-workspace-id'),
    ...(userTokenHeader !== null ? { userTokenHeader: requestHeader(c, userTokenHeader.toLowerCase()) } : {}),
  };
}

/**
 * Checks the route's rules for `principal` and makes it the request's. Returns false, admitting
 * nothing, when the principal's credential is exchanged for a workspace token and none is held.
 */
function admit(c: Context<AppEnv>, policy: RoutePolicy, principal: Principal, exchangedToken: string | undefined): boolean {
  const exchanged = exchanges(principal);
  if (exchanged && exchangedToken === undefined) return false;
  checkRoutePolicy(policy, principal, policy.agentParam === undefined ? undefined : c.req.param(policy.agentParam));
  c.set('principal', principal);
  // On every response to this request but a 401 (respond.ts).
  if (exchanged) c.set('responseHeaders', withExchangedToken(standardHeadersOf(c), principal, exchangedToken!));
  return true;
}

/**
 * The workspace token a verified principal is exchanged for, minted again once less than half of
 * its lifetime is left. Keyed by the principal object: the verified-credential cache hands out the
 * same object for as long as it holds the credential, so a client that keeps sending its user
 * token gets the same workspace token back instead of an ES256 signature per request; an evicted
 * or re-verified credential (new object) mints a new one. A token handed out again is no weaker
 * than a new one: it carries the same claims and is checked for revocation on every use.
 */
const exchanged = new WeakMap<Principal, { token: string; renewAt: number; headers?: { base: object; withToken: Readonly<Record<string, string>> } }>();

function heldExchangedToken(deps: AppDeps, principal: Principal): string | undefined {
  const held = exchanged.get(principal);
  return held !== undefined && deps.clock() / 1000 < held.renewAt ? held.token : undefined;
}

async function mintExchangedToken(deps: AppDeps, principal: Principal): Promise<string> {
  // The user's revocation mark from the database (not a cache): a token issued before a revocation
  // is refused here even if this process has not heard of it yet, and the workspace token minted
  // for one issued after it carries the new mark (revocation.ts).
  const tokensValidAfter = await readUserRevocationMark(deps.store, principal);
  const minted = await mintWorkspaceTokenFor(deps.keyring, deps.config, principal, tokensValidAfter, deps.clock);
  exchanged.set(principal, { token: minted.token, renewAt: minted.expiresAt - deps.config.workspaceTokenTtlSeconds / 2 });
  return minted.token;
}

/**
 * The request's response headers plus the exchanged token. Built once per held token and standard
 * set (both shared by many requests), so a client that keeps sending its user token costs no
 * copying per request.
 */
function withExchangedToken(base: Readonly<Record<string, string>>, principal: Principal, token: string): Readonly<Record<string, string>> {
  const held = exchanged.get(principal);
  if (held?.token === token && held.headers?.base === base) return held.headers.withToken;
  const withToken = Object.freeze({ ...base, Authorization: `Bearer ${token}`, 'Cache-Control': 'no-store' });
  if (held?.token === token && Object.isFrozen(base)) held.headers = { base, withToken };
  return withToken;
}

/** The principal of a data or execution route (set by the authorization step). */
export function requirePrincipal(c: { get(key: 'principal'): Principal | undefined }): Principal {
  const principal = c.get('principal');
  // Reaching here without a principal means a route was declared with a public category.
  if (principal === undefined) throw new AuthenticationRequired();
  return principal;
}
