/**
 * Revocation of tokens before they expire (SPEC 4): a workspace token is refused as soon as the
 * credential it was minted from is revoked (API key, anonymous session, authentication key, auth
 * rule), and every token issued to a user (workspace token, user token, identity-provider token)
 * is refused once the user's tokens are revoked after it was issued (modules/users/users-service.ts). Read from the
 * store through the authenticator's cached lookups, whose staleness is bounded
 * (docs/route-policy.md, "Revocation: how fast it takes effect").
 *
 * The user's revocation mark is `tokensValidAfter` (ms), which every revocation raises strictly
 * (store: never equal to or below the previous one), so it doubles as a revocation generation:
 * - a workspace token Threadgate signs carries `tva`, the mark it was minted under (read from the
 *   database when minting); it is refused exactly when the user's mark has moved past it: one
 *   minted after a revocation is never refused by it, one minted before always is, whatever the
 *   clocks of the processes say;
 * - a token signed by someone else (user token, identity-provider token, or a workspace token
 *   minted before `tva` existed) has only `iat`, in whole seconds: it is refused when
 *   `iat × 1000 < tokensValidAfter`, so one issued before the revocation always is, and one issued
 *   later in the same second is too (the issuer must sign a new one from the next second on);
 * - such a token without `iat` cannot show it came after the revocation: once the user has been
 *   revoked, it is refused.
 */
import { TokenRevoked } from '../errors.js';
import type { AuthKeyRecord, AuthLookups } from './credential-records.js';
import type { CredentialSource, Principal } from './principal.js';
import { traceStep } from './trace.js';

/** What revocation needs to know about a token: its user and the credential it came from. */
export interface RevocationSubject {
  projectId: string;
  userId: string;
  /** The credential the token was minted from (the token's `src`), not `workspace_token`. */
  source: CredentialSource;
  credentialId: string;
}

/**
 * Where a token stands against its user's revocation: the `tva` mark of a workspace token we
 * signed, or the `iat` (seconds; `undefined` when absent) of any other token.
 */
export type UserRevocationMark = { tva: number } | { iat: number | undefined };

/**
 * True when a token with `mark` was issued before the user's revocation `tokensValidAfter` (ms,
 * null when the user was never revoked). See the file comment for the rule.
 *
 * @example
 * isBeforeUserRevocation(1_700_000_000_500, { iat: 1_700_000_000 }) // true: same second, refused
 * isBeforeUserRevocation(1_700_000_000_500, { tva: 1_700_000_000_500 }) // false: minted after it
 */
export function isBeforeUserRevocation(tokensValidAfter: number | null, mark: UserRevocationMark): boolean {
  if (tokensValidAfter === null) return false;
  if ('tva' in mark) return mark.tva < tokensValidAfter;
  return mark.iat === undefined || mark.iat * 1000 < tokensValidAfter;
}

/** What the revocation check read of the credential behind a token, for the steps after it. */
export interface CheckedCredential {
  /** The authentication key, for a token minted from a user token (`source: 'user_token'`). */
  authKey?: AuthKeyRecord;
}

/**
 * Throws `TokenRevoked` when the credential behind a token, or the user's tokens, were revoked:
 * - `api_key`: the key must exist and not be revoked;
 * - `anonymous`: the refresh family must exist and not be revoked;
 * - `user_token`: the authentication key must still exist;
 * - `auth_rule`: the auth rule must still exist and be enabled;
 * - any source: the token must not predate the user's revocation (`isBeforeUserRevocation` with
 *   the token's `tva`, or its `iat` when it has none).
 *
 * Does not check the signature or expiry: run it after `verifyWorkspaceToken`. Hands back the
 * authentication key it read for a `user_token` source, so the agents check after it
 * (current-agents.ts) does not read it again.
 *
 * @example
 * const { authKey } = await checkNotRevoked(store, { ...principal, source: claims.src }, claims.tva !== undefined ? { tva: claims.tva } : { iat: claims.iat })
 */
export async function checkNotRevoked(store: AuthLookups, subject: RevocationSubject, mark: UserRevocationMark): Promise<CheckedCredential> {
  let checked: CheckedCredential;
  try {
    checked = await checkRevocation(store, subject, mark);
  } catch (error) {
    traceStep('not revoked', false, () => `credential ${subject.source} ${subject.credentialId}`);
    throw error;
  }
  traceStep('not revoked', true, () => `credential ${subject.source} ${subject.credentialId}`);
  return checked;
}

async function checkRevocation(store: AuthLookups, subject: RevocationSubject, mark: UserRevocationMark): Promise<CheckedCredential> {
  const checked: CheckedCredential = {};
  if (subject.source === 'api_key') {
    const key = await store.getApiKey(subject.projectId, subject.credentialId);
    if (key === undefined || key.revokedAt !== null) throw new TokenRevoked({ detail: `api key ${subject.credentialId} revoked` });
  } else if (subject.source === 'user_token') {
    // A workspace token exchanged for a user token dies with the authentication key that signed it.
    const key = await store.getAuthKey(subject.projectId, subject.credentialId);
    if (key === undefined) throw new TokenRevoked({ detail: `auth key ${subject.credentialId} deleted` });
    checked.authKey = key;
  } else if (subject.source === 'auth_rule') {
    // A workspace token exchanged for an identity-provider token ends when its rule is deleted or disabled.
    const rule = await store.getAuthRule(subject.projectId, subject.credentialId);
    if (rule === undefined || !rule.enabled) throw new TokenRevoked({ detail: `auth rule ${subject.credentialId} deleted or disabled` });
  } else if (subject.source === 'anonymous') {
    const family = await store.getRefreshFamily(subject.projectId, subject.credentialId);
    if (family === undefined || family.revokedAt !== null) throw new TokenRevoked({ detail: `session ${subject.credentialId} revoked` });
  }
  const user = await store.getUser(subject.projectId, subject.userId);
  if (isBeforeUserRevocation(user?.tokensValidAfter ?? null, mark)) throw new TokenRevoked({ detail: 'the user\'s tokens were revoked' });
  return checked;
}

/**
 * For a principal verified from a token issued to the user by someone else (a user token or an
 * identity-provider token, `principal.issuedAt` set): throws `TokenRevoked` when the user's tokens
 * were revoked after it was issued. Other principals (API keys) pass: see modules/users/users-service.ts.
 *
 * @example
 * await checkUserNotRevoked(store, principal)
 */
export async function checkUserNotRevoked(store: Pick<AuthLookups, 'getUser'>, principal: Principal): Promise<void> {
  const issuedAt = principal.issuedAt;
  if (issuedAt === undefined) return;
  const user = await store.getUser(principal.projectId, principal.userId);
  const revoked = isBeforeUserRevocation(user?.tokensValidAfter ?? null, { iat: issuedAt ?? undefined });
  traceStep('user not revoked', !revoked, () => (issuedAt === null ? 'the token has no iat' : `iat ${new Date(issuedAt * 1000).toISOString()}`));
  if (revoked) {
    const detail = 'the user\'s tokens were revoked after this token was issued';
    if (issuedAt !== null) throw new TokenRevoked({ detail });
    throw new TokenRevoked({ message: 'This user\'s tokens were revoked, and this token has no iat to show it was issued afterwards.', detail });
  }
}

/**
 * The user's revocation mark to put in a workspace token minted now for `principal` (its `tva`
 * claim), read from the database itself, not a cache, so a token minted after a revocation carries
 * the new mark on every process. Throws `TokenRevoked` when the principal's own token predates it
 * (a user or identity-provider token being exchanged).
 *
 * @example
 * const tva = await readUserRevocationMark(deps.store, principal)
 * await mintWorkspaceTokenFor(deps.keyring, deps.config, principal, tva)
 */
export async function readUserRevocationMark(store: Pick<AuthLookups, 'getUser'>, principal: Pick<Principal, 'projectId' | 'userId' | 'issuedAt'>): Promise<number> {
  const user = await store.getUser(principal.projectId, principal.userId);
  const tokensValidAfter = user?.tokensValidAfter ?? null;
  if (principal.issuedAt !== undefined && isBeforeUserRevocation(tokensValidAfter, { iat: principal.issuedAt ?? undefined })) {
    throw new TokenRevoked({ detail: 'the user\'s tokens were revoked after this token was issued' });
  }
  return tokensValidAfter ?? 0;
}
