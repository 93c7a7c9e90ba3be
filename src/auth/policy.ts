/**
 * The one place that decides what a principal may do: the scopes a credential grants (whatever
 * carries them: a token's `scope` claim, an identity provider's scopes claim, a stored API key),
 * the agent limits, and the route rules the authorization step checks before any handler runs
 * (http/middleware/authorize.ts). Object-level rules follow in the handlers, where every store
 * call is bound to the principal's project and workspace.
 */
import { PolicyDenied } from '../errors.js';
import { ALL_SCOPES, isScope, type CredentialSource, type Principal, type Scope } from './principal.js';
import type { RouteCategory } from './route-access.js';

/** What a declared route requires (http/define-route.ts `declareRoute`). */
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
  /**
   * A WebSocket or EventSource (server-sent events) endpoint. Browsers cannot set headers on
   * those, so only such a route accepts the credential in the query string: `?token=` (a user
   * credential) or `?key=` (the admin key), and only on the handshake itself (`Upgrade: websocket`
   * or `Accept: text/event-stream`). Every other route reads credentials from headers only.
   */
  streaming?: boolean;
}

/**
 * The scopes a credential grants: from a space-separated string (RFC 8693 / RFC 9068 `scope`) or
 * a list (`scp`); `undefined` (no scope claim at all) grants every scope. Only Threadgate's own
 * scope names count: unknown ones are ignored (RFC 9068 §2.2.3), and so are empty entries.
 *
 * @example
 * parseScopes('threads:read openid') // Set { 'threads:read' }
 * parseScopes(undefined)             // every scope
 */
export function parseScopes(value: string | readonly string[] | undefined): Set<Scope> {
  if (value === undefined) return new Set(ALL_SCOPES);
  const list = typeof value === 'string' ? value.split(' ') : value;
  return new Set(list.filter(isScope));
}

/**
 * The agent limits a credential carries, as a principal holds them: `'all'`, or a frozen copy of
 * the list (a stored key's, a token's `agents` claim).
 *
 * @example
 * agentLimits(['a1', 'a2']) // frozen ['a1', 'a2']
 */
export function agentLimits(agents: 'all' | readonly string[]): 'all' | readonly string[] {
  return agents === 'all' ? 'all' : Object.freeze([...agents]);
}

/**
 * Agent limits (SPEC 4): a credential scoped to agents A and B reaches those two only.
 *
 * @example
 * allowsAgent({ ...principal, agents: ['a'] }, 'b') // false
 */
export function allowsAgent(principal: Principal, agentId: string): boolean {
  return principal.agents === 'all' || principal.agents.includes(agentId);
}

/**
 * Checks a route's rules for `principal`: its scope, the credential sources it accepts, anonymous
 * sessions, and the agent named by the route (`agentId`, when the route names one). Throws
 * `PolicyDenied` (403 `forbidden`) naming what is missing.
 *
 * @example
 * checkRoutePolicy({ category: 'data', scope: 'threads:write' }, principal, undefined)
 */
export function checkRoutePolicy(policy: RoutePolicy, principal: Principal, agentId: string | undefined): void {
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
  if (agentId !== undefined && !allowsAgent(principal, agentId)) {
    throw new PolicyDenied({ message: 'This credential is not allowed to use this agent.' });
  }
}
