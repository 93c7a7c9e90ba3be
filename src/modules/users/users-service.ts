/**
 * Revokes every session and token of a user issued before now (SPEC 4), on every process
 * (revocation.ts has the rules; docs/route-policy.md "Revoking a user"):
 * - workspace tokens (any source) minted before it: refused, exactly, by their `tva` mark;
 * - anonymous sessions: the user's refresh families are revoked with it;
 * - HS256 user tokens and identity-provider tokens: refused when their `iat` (seconds) is before
 *   the revocation or in the same second, or absent; and no longer exchanged;
 * - API keys are not the user's: a request made with a live API key on the user's behalf is the
 *   app's backend acting, and still works (it can mint the user a new workspace token at once).
 *   To shut the user out, the backend stops acting for them; to shut out the backend, revoke its key.
 */
import type { Store } from '../store/store.js';

export async function revokeUserSessions(store: Store, projectId: string, userId: string, now: number): Promise<void> {
  await store.revokeUserTokens(projectId, userId, now);
}
