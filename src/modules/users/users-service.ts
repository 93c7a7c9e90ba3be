/**
 * Revokes every session and token of a user issued before now (SPEC 4), on every process
 * (auth/revocation.ts has the rules; docs/route-policy.md "Revoking a user"):
 * - workspace tokens (any source) minted before it: refused, exactly, by their `tva` mark;
 * - anonymous sessions: the user's refresh families are revoked with it;
 * - HS256 user tokens and identity-provider tokens: refused when their `iat` (seconds) is before
 *   the revocation or in the same second, or absent; and no longer exchanged;
 * - API keys are not the user's: a request made with a live API key on the user's behalf is the
 *   app's backend acting, and still works (it can mint the user a new workspace token at once).
 *   To shut the user out, the backend stops acting for them; to shut out the backend, revoke its key.
 *
 * The revocation is written by the platform (users-ports.ts: the user's mark and sessions are its
 * tables), then published (`user.revoked`): the audit log records it and the revocation epoch
 * moves (auth/revocation-epoch.ts) before the call returns.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config.js';
import type { Actor, EventBus } from '../../platform/events/bus.js';
import type { UserRevocations } from './users-ports.js';

export interface UsersService {
  /** Revokes the user's sessions and tokens issued before now; returns that instant (ms). */
  revokeUser(userId: string, actor: Actor): Promise<{ revokedBefore: number }>;
}

export interface UsersServiceDeps {
  /** The platform's user-wide revocation (users-ports.ts). */
  revocations: UserRevocations;
  events: Pick<EventBus, 'publishAndWait'>;
  config: Pick<ResolvedConfig, 'projectId'>;
  clock: () => number;
  /** Told of each revocation; the CLI passes none. */
  logger?: Pick<Logger, 'info'>;
}

/**
 * @example
 * const users = createUsersService({ revocations, events, config, clock: Date.now })
 * await users.revokeUser('alice', { kind: 'cli' })
 */
export function createUsersService(deps: UsersServiceDeps): UsersService {
  return {
    async revokeUser(userId, actor) {
      const now = deps.clock();
      await deps.revocations.revokeUserTokens(deps.config.projectId, userId, now);
      deps.logger?.info({ audit: 'user.revoke', userId }, 'user sessions revoked');
      await deps.events.publishAndWait('user.revoked', { userId }, actor);
      return { revokedBefore: now };
    },
  };
}
