/**
 * Anonymous sessions (SPEC 2.5): `POST /v1/auth/tokens/anonymous` creates a user `anon_<id>` whose
 * workspace is its own id, a refresh-token family, the first refresh token and an access token.
 * The user can later sign in and claim the threads (`POST /v1/threads/claim`).
 */
import { createId } from '../crypto/random-id.js';
import type { RefreshFamily } from '../store/store.js';
import { buildSessionTokens, issueRefreshToken, type SessionDeps, type SessionTokens } from './refresh-token.js';

/**
 * Creates an anonymous user and its session, in the wire shape the assistant-cloud client reads:
 * `{ access_token, refresh_token: { token, expires_at } }` (`expires_at` ISO 8601).
 *
 * Does not check that anonymous sessions are enabled nor rate limit: the route does both.
 *
 * @example
 * const session = await createAnonymousSession(deps)
 * session.refresh_token.token // 'tg_rt_…'
 */
export async function createAnonymousSession(deps: SessionDeps): Promise<SessionTokens> {
  const now = deps.clock();
  const projectId = deps.config.projectId;
  const userId = createId('anon', now);
  await deps.store.upsertUser({ projectId, id: userId, anonymous: true, createdAt: now, tokensValidAfter: null });
  const family: RefreshFamily = {
    id: createId('rtf', now),
    projectId,
    userId,
    workspaceId: userId,
    createdAt: now,
    revokedAt: null,
  };
  await deps.store.insertRefreshFamily(family);
  const { token, record } = await issueRefreshToken(deps, family);
  // A new user: never revoked (no one could name it before now), so its revocation mark is 0.
  return buildSessionTokens(deps, family, token, record.expiresAt, 0);
}
