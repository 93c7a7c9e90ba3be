/**
 * A workspace token carries the agents of the credential it was exchanged for, as they were when
 * it was minted. An authentication key's agents can change since (`PATCH /admin/v1/auth-keys/{id}`),
 * and the key's own user tokens follow at once; so does a workspace token exchanged for one of them:
 * it reaches only the agents both it and the key allow now. Read through the authenticator's cached
 * lookups (cached-lookups.ts), whose entries go when the key changes (`auth_key.updated` moves the
 * revocation epoch), so a change applies within the bound of a revocation (docs/route-policy.md).
 *
 * Does not check that the key still exists: `checkNotRevoked` (revocation.ts) does, first.
 */
import type { AuthLookups } from './credential-records.js';
import { agentLimits } from './policy.js';
import type { CredentialSource, Principal } from './principal.js';

/**
 * The principal of a workspace token minted from `source`, limited to the agents its
 * authentication key allows now (a `user_token` source only; any other is returned as is).
 *
 * @example
 * const principal = await limitToKeyAgents(store, verified, claims.src)
 * // token agents 'all', key now ['support'] → ['support']; token ['a', 'b'], key ['b', 'c'] → ['b']
 */
export async function limitToKeyAgents(store: Pick<AuthLookups, 'getAuthKey'>, principal: Principal, source: CredentialSource): Promise<Principal> {
  if (source !== 'user_token') return principal;
  const key = await store.getAuthKey(principal.projectId, principal.credentialId);
  if (key === undefined || key.agents === 'all') return principal;
  const allowed = key.agents;
  const agents = principal.agents === 'all' ? allowed : principal.agents.filter((agent) => allowed.includes(agent));
  return { ...principal, agents: agentLimits(agents) };
}
