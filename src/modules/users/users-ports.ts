/**
 * What the users module needs from outside it, as a port the composition root (server.ts) fills:
 * the module owns no table. A user's mark (`users.tokens_valid_after`) and sessions
 * (`refresh_families`) are the platform's, read by every credential check, so the platform writes
 * them (store/kysely-store-auth.ts `revokeUserTokens`); the users module decides when.
 */

/**
 * A user-wide revocation, as `POST /admin/v1/users/{userId}/revoke` and `threadgate users revoke`
 * need it.
 *
 * @example
 * const revocations: UserRevocations = store // the platform's Store has the method (server.ts)
 */
export interface UserRevocations {
  /**
   * Refuses every token of the user issued before `at` (ms): raises the user's `tokensValidAfter`
   * strictly (UserRecord in store/store.ts) and revokes the user's sessions (refresh families), in
   * one transaction, creating the user row if needed. Moves no revocation epoch: the service
   * publishes `user.revoked` once it has returned.
   */
  revokeUserTokens(projectId: string, userId: string, at: number): Promise<void>;
}
