/**
 * Revokes every session and token of a user issued before now (SPEC 4): workspace tokens (any
 * source) and refresh tokens are refused from the next request on, on every process, because
 * `checkNotRevoked` and refresh rotation read the user's `tokensValidAfter` from the store.
 * API keys are not the user's: requests made with a live API key on the user's behalf still work.
 */
import type { Store } from '../store/store.js';

export async function revokeUserSessions(store: Store, projectId: string, userId: string, now: number): Promise<void> {
  await store.revokeUserTokens(projectId, userId, now);
}
