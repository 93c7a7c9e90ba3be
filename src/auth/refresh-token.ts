/**
 * Refresh tokens of anonymous sessions (SPEC 2.5), with rotation and reuse detection as in
 * oidc-provider and Auth0: every refresh consumes the token and issues a successor in the same
 * family; presenting a consumed token again means it leaked, so the whole family is revoked, unless
 * it comes within `refreshReuseIntervalSeconds` of the consumption (two tabs refreshing at the same
 * instant), in which case both get the same successor.
 *
 * A token is `tg_rt_` + 32 random bytes (base64url); only its SHA-256 is stored. The successor is
 * kept sealed beside the consumed token only when a reuse interval is configured.
 */
import type { ResolvedConfig } from '../config.js';
import { RefreshTokenInvalid, RefreshTokenReused } from '../errors.js';
import { hashSecret } from '../crypto/hash.js';
import { createId, createSecret } from '../crypto/random-id.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { RefreshFamily, RefreshTokenRecord, Store } from '../store/store.js';
import type { EventBus } from '../platform/events/bus.js';
import type { Keyring } from './keyring.js';
import { ALL_SCOPES } from './principal.js';
import { mintWorkspaceToken } from './workspace-token.js';

export const REFRESH_TOKEN_PREFIX = 'tg_rt_';

/** `tg_rt_` and exactly 32 bytes in base64url (43 characters). */
const REFRESH_TOKEN = /^tg_rt_[A-Za-z0-9_-]{43}$/;

export interface SessionDeps {
  store: Store;
  keyring: Keyring;
  secretBox: SecretBox;
  config: Pick<
    ResolvedConfig,
    'projectId' | 'issuer' | 'audience' | 'workspaceTokenTtlSeconds' | 'refreshTokenTtlSeconds' | 'refreshReuseIntervalSeconds'
  >;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Where a revoked session is announced (`session.revoked`): the revocation epoch hears it. */
  events: Pick<EventBus, 'publishAndWait'>;
}

/** The wire shape the assistant-cloud client reads (AssistantCloudAuthStrategy). */
export interface SessionTokens {
  access_token: string;
  refresh_token: { token: string; expires_at: string };
}

/** The secret-box purpose of a sealed successor, bound to the token it replaced. */
function successorPurpose(consumedTokenId: string): string {
  return `refresh-successor:${consumedTokenId}`;
}

interface NewRefreshToken {
  token: string;
  record: RefreshTokenRecord;
}

function createRefreshToken(deps: Pick<SessionDeps, 'config'>, family: RefreshFamily, now: number): NewRefreshToken {
  const token = `${REFRESH_TOKEN_PREFIX}${createSecret(32)}`;
  return {
    token,
    record: {
      id: createId('rt', now),
      familyId: family.id,
      projectId: family.projectId,
      tokenHash: hashSecret(token),
      createdAt: now,
      expiresAt: now + deps.config.refreshTokenTtlSeconds * 1000,
      consumedAt: null,
      successorEncrypted: null,
    },
  };
}

/**
 * Issues the first refresh token of a family (stored hashed). Returns the token and its record.
 *
 * @example
 * const { token, record } = await issueRefreshToken(deps, family)
 */
export async function issueRefreshToken(deps: Pick<SessionDeps, 'store' | 'config' | 'clock'>, family: RefreshFamily): Promise<NewRefreshToken> {
  const issued = createRefreshToken(deps, family, deps.clock());
  await deps.store.insertRefreshToken(issued.record);
  return issued;
}

/**
 * Mints the access token (a workspace token for the family's user and workspace, source
 * `anonymous`, `cid` = family id) and puts it with the refresh token in the wire shape.
 *
 * @example
 * return buildSessionTokens(deps, family, token, record.expiresAt)
 */
export async function buildSessionTokens(
  deps: Pick<SessionDeps, 'keyring' | 'config' | 'clock'>,
  family: RefreshFamily,
  refreshToken: string,
  refreshExpiresAt: number,
  tokensValidAfter: number,
): Promise<SessionTokens> {
  const access = await mintWorkspaceToken(
    deps.keyring,
    deps.config,
    {
      projectId: family.projectId,
      userId: family.userId,
      workspaceId: family.workspaceId,
      scopes: ALL_SCOPES,
      agents: 'all',
      anonymous: true,
      credential: { source: 'anonymous', id: family.id },
      tokensValidAfter,
    },
    deps.clock,
  );
  return { access_token: access.token, refresh_token: { token: refreshToken, expires_at: new Date(refreshExpiresAt).toISOString() } };
}

interface Located {
  record: RefreshTokenRecord;
  family: RefreshFamily;
  /** The user's revocation mark as just read from the store (0 when never revoked), for the access token's `tva`. */
  tokensValidAfter: number;
}

/** Finds a token and its family; refuses malformed, unknown, expired, revoked and user-revoked ones. */
async function locate(deps: Pick<SessionDeps, 'store' | 'clock'>, token: string): Promise<Located> {
  if (typeof token !== 'string' || !REFRESH_TOKEN.test(token)) throw new RefreshTokenInvalid({ detail: 'malformed' });
  const record = await deps.store.findRefreshTokenByHash(hashSecret(token));
  if (record === undefined) throw new RefreshTokenInvalid({ detail: 'unknown' });
  const family = await deps.store.getRefreshFamily(record.projectId, record.familyId);
  if (family === undefined || family.revokedAt !== null) throw new RefreshTokenInvalid({ detail: `family ${record.familyId} revoked` });
  const now = deps.clock();
  if (now >= record.expiresAt) throw new RefreshTokenInvalid({ detail: 'expired' });
  const user = await deps.store.getUser(family.projectId, family.userId);
  if (user?.tokensValidAfter != null && record.createdAt < user.tokensValidAfter) {
    throw new RefreshTokenInvalid({ detail: 'the user\'s tokens were revoked' });
  }
  return { record, family, tokensValidAfter: user?.tokensValidAfter ?? 0 };
}

/**
 * Resolves a refresh token to its family (for `POST /v1/threads/claim`), refusing a malformed,
 * unknown, expired, consumed or revoked one with `RefreshTokenInvalid`. Consumes nothing.
 *
 * @example
 * const family = await resolveRefreshToken(deps, body.refresh_token)
 * // then the claim moves family.workspaceId's threads (modules/threads threads-service.ts)
 */
export async function resolveRefreshToken(deps: Pick<SessionDeps, 'store' | 'clock'>, token: string): Promise<RefreshFamily> {
  const { record, family } = await locate(deps, token);
  if (record.consumedAt !== null) throw new RefreshTokenInvalid({ detail: 'consumed' });
  return family;
}

/**
 * Rotates a refresh token: consumes it atomically and returns a new access token and the successor
 * refresh token. A consumed token presented again returns the same successor when it comes within
 * `config.refreshReuseIntervalSeconds` of the consumption; otherwise the whole family is revoked and
 * `RefreshTokenReused` is thrown. Malformed, unknown, expired or revoked: `RefreshTokenInvalid`.
 *
 * @example
 * const session = await rotateRefreshToken(deps, body.refresh_token)
 * session.refresh_token.token // the successor; the presented token is now consumed
 */
export async function rotateRefreshToken(deps: SessionDeps, token: string): Promise<SessionTokens> {
  const { record, family, tokensValidAfter } = await locate(deps, token);
  if (record.consumedAt !== null) return replay(deps, record, family, tokensValidAfter);

  const now = deps.clock();
  const successor = createRefreshToken(deps, family, now);
  const keepSuccessor = deps.config.refreshReuseIntervalSeconds > 0;
  // The successor row goes in first, so that a concurrent replay that reads the sealed successor
  // finds it. If our consume then loses the race, the successor was never shown to anyone.
  await deps.store.insertRefreshToken(successor.record);
  const sealed = keepSuccessor ? deps.secretBox.seal(successor.token, successorPurpose(record.id)) : null;
  const consumed = await deps.store.consumeRefreshToken(record.id, now, sealed);
  if (!consumed) {
    // Another request consumed it between our read and our write: the same as a replay.
    const current = await deps.store.findRefreshTokenByHash(record.tokenHash);
    if (current === undefined || current.consumedAt === null) throw new RefreshTokenInvalid({ detail: 'vanished during rotation' });
    return replay(deps, current, family, tokensValidAfter);
  }
  return buildSessionTokens(deps, family, successor.token, successor.record.expiresAt, tokensValidAfter);
}

/** A consumed token came back: the reuse interval's shared successor, or a breach. */
async function replay(deps: SessionDeps, record: RefreshTokenRecord, family: RefreshFamily, tokensValidAfter: number): Promise<SessionTokens> {
  const now = deps.clock();
  const intervalMs = deps.config.refreshReuseIntervalSeconds * 1000;
  if (intervalMs > 0 && record.consumedAt !== null && now - record.consumedAt <= intervalMs && record.successorEncrypted !== null) {
    const successorToken = deps.secretBox.open(record.successorEncrypted, successorPurpose(record.id));
    const successor = await deps.store.findRefreshTokenByHash(hashSecret(successorToken));
    // The successor must still be usable; if it was itself consumed, this is not two tabs racing.
    if (successor !== undefined && successor.consumedAt === null && now < successor.expiresAt) {
      return buildSessionTokens(deps, family, successorToken, successor.expiresAt, tokensValidAfter);
    }
  }
  // RFC 9700 §4.14.2: a refresh token used twice may have been stolen; end the whole session.
  await revokeSession(deps, family, 'refresh_reuse');
  throw new RefreshTokenReused({ detail: `family ${family.id} revoked` });
}

/** Why the server ended an anonymous session before it expired. */
export type SessionRevocationReason = 'refresh_reuse' | 'claim';

/**
 * Ends an anonymous session: revokes its refresh family (every refresh token of it, and every
 * workspace token minted from it: auth/revocation.ts), then announces it (`announceSessionRevoked`).
 *
 * @example
 * await revokeSession(deps, family, 'refresh_reuse')
 */
export async function revokeSession(
  deps: Pick<SessionDeps, 'clock' | 'events'> & { store: Pick<Store, 'revokeRefreshFamily'> },
  family: Pick<RefreshFamily, 'projectId' | 'id'>,
  reason: SessionRevocationReason,
): Promise<void> {
  await deps.store.revokeRefreshFamily(family.projectId, family.id, deps.clock());
  await announceSessionRevoked(deps.events, family.id, reason);
}

/**
 * Publishes `session.revoked` for a family whose revocation is stored (by `revokeSession`, or in the
 * transaction of the anonymous claim: modules/threads, through server.ts) and waits for the
 * revocation epoch, its subscriber (auth/revocation-epoch.ts), so the session's cached decisions
 * are gone when this returns. Every path that ends a session calls it once its write is committed.
 *
 * @example
 * await announceSessionRevoked(deps.events, family.id, 'claim')
 */
export function announceSessionRevoked(events: Pick<EventBus, 'publishAndWait'>, familyId: string, reason: SessionRevocationReason): Promise<void> {
  return events.publishAndWait('session.revoked', { familyId, reason }, { kind: 'system' });
}
