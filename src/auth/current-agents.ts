/**
 * A workspace token carries the agents of the credential it was exchanged for, as they were when
 * it was minted. An authentication key's agents can change since (`PATCH /admin/v1/auth-keys/{id}`),
 * and the key's own user tokens follow at once; so does a workspace token exchanged for one of them:
 * it reaches only the agents both it and the key allow now.
 *
 * The key is the one the revocation check has just read (revocation.ts `checkNotRevoked`, which
 * refuses the token when the key is gone), handed on so that it is read once per verification,
 * through the authenticator's cached lookups (cached-lookups.ts), whose entries go when the key
 * changes (`auth_key.updated` moves the revocation epoch): a change applies within the bound of a
 * revocation (docs/route-policy.md).
 */
import type { AuthKeyRecord } from './credential-records.js';
import { agentLimits } from './policy.js';
import type { Principal } from './principal.js';

/**
 * The principal of a workspace token minted from a user token, limited to the agents its
 * authentication key allows now; without a key (a token minted from any other credential) the
 * principal as it is.
 *
 * @example
 * const { authKey } = await checkNotRevoked(store, subject, mark)
 * const principal = limitToKeyAgents(verified, authKey)
 * // token agents 'all', key now ['support'] → ['support']; token ['a', 'b'], key ['b', 'c'] → ['b']
 */
export function limitToKeyAgents(principal: Principal, key: Pick<AuthKeyRecord, 'agents'> | undefined): Principal {
  if (key === undefined || key.agents === 'all') return principal;
  const allowed = key.agents;
  const agents = principal.agents === 'all' ? allowed : principal.agents.filter((agent) => allowed.includes(agent));
  return { ...principal, agents: agentLimits(agents) };
}
