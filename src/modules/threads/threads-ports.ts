/**
 * What the threads module needs from outside it, as ports the composition root (server.ts) fills:
 * it reads and writes no other module's tables, and no credential's.
 */
import type { Transaction } from 'kysely';

/**
 * Rows another module keeps about threads (the runs module's telemetry), kept in step inside the
 * threads module's own transactions: a deleted thread takes them along, a claim moves them.
 */
export interface ThreadFollower {
  /** The thread was deleted within `trx`: delete what describes it, in the same transaction. */
  threadDeleted(trx: Transaction<any>, projectId: string, threadId: string): Promise<void>;
  /** Every thread of `fromWorkspaceId` moved to `toWorkspaceId` within `trx` (a claim): move what goes with them. */
  workspaceMoved(trx: Transaction<any>, projectId: string, fromWorkspaceId: string, toWorkspaceId: string): Promise<void>;
}

/** The session family behind an anonymous refresh token: whose threads a claim moves. */
export interface ClaimedFamily {
  id: string;
  projectId: string;
  workspaceId: string;
}

/**
 * The anonymous-session credential, as `POST /v1/threads/claim` needs it. Sessions are the
 * platform's (auth/refresh-token.ts), so the claim reaches them only through this port.
 */
export interface ClaimSessions {
  /**
   * The family behind a refresh token. Throws an `AuthError` when the token is malformed, unknown,
   * expired, spent or revoked (as `resolveRefreshToken` does).
   */
  resolveFamily(refreshToken: string): Promise<ClaimedFamily>;
  /** Revokes the family as part of `trx`, the transaction that moves its threads. */
  revokeFamily(trx: Transaction<any>, projectId: string, familyId: string, at: number): Promise<void>;
  /**
   * Told, with the family's id, once that transaction has committed: a revocation, which the
   * credential caches must learn of (server.ts publishes `session.revoked`, whose subscriber moves
   * the revocation epoch) and never before the revocation is stored.
   */
  familyRevoked(familyId: string): Promise<void>;
}
