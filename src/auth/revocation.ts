/**
 * Revocation of workspace tokens before they expire (SPEC 4): a token is refused as soon as the
 * credential it was minted from is revoked (API key, anonymous session), or its user's tokens are
 * revoked. Read from the store on every use, so it holds on every process at once. (A cache with a
 * documented maximum staleness can come later; correctness first.)
 */
import { TokenRevoked } from '../errors.js';
import type { Store } from '../store/store.js';
import type { CredentialSource } from './principal.js';
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
 * Throws `TokenRevoked` when the credential behind a token, or the user's tokens, were revoked:
 * - `api_key`: the key must exist and not be revoked;
 * - `anonymous`: the refresh family must exist and not be revoked;
 * - `user_token`: the authentication key must still exist;
 * - `auth_rule`: the auth rule must still exist and be enabled;
 * - any source: the user's `tokensValidAfter` must be ≤ `iat` (in ms).
 *
 * `iat` has whole seconds, so a token minted in the same second as a user revocation, but after
 * it, is refused too: erring on the side of refusing.
 *
 * Does not check the signature or expiry: run it after `verifyWorkspaceToken`.
 *
 * @example
 * await checkNotRevoked(store, { ...principal, source: claims.src }, claims.iat)
 */
export async function checkNotRevoked(store: Store, subject: RevocationSubject, issuedAtSeconds: number): Promise<void> {
  try {
    await checkRevocation(store, subject, issuedAtSeconds);
  } catch (error) {
    traceStep('not revoked', false, () => `credential ${subject.source} ${subject.credentialId}`);
    throw error;
  }
  traceStep('not revoked', true, () => `credential ${subject.source} ${subject.credentialId}`);
}

async function checkRevocation(store: Store, subject: RevocationSubject, issuedAtSeconds: number): Promise<void> {
  if (subject.source === 'api_key') {
    const key = await store.getApiKey(subject.projectId, subject.credentialId);
    if (key === undefined || key.revokedAt !== null) throw new TokenRevoked({ detail: `api key ${subject.credentialId} revoked` });
  } else if (subject.source === 'user_token') {
    // A workspace token exchanged for a user token dies with the authentication key that signed it.
    const key = await store.getAuthKey(subject.projectId, subject.credentialId);
    if (key === undefined) throw new TokenRevoked({ detail: `auth key ${subject.credentialId} deleted` });
  } else if (subject.source === 'auth_rule') {
    // A workspace token exchanged for an identity-provider token ends when its rule is deleted or disabled.
    const rule = await store.getAuthRule(subject.projectId, subject.credentialId);
    if (rule === undefined || !rule.enabled) throw new TokenRevoked({ detail: `auth rule ${subject.credentialId} deleted or disabled` });
  } else if (subject.source === 'anonymous') {
    const family = await store.getRefreshFamily(subject.projectId, subject.credentialId);
    if (family === undefined || family.revokedAt !== null) throw new TokenRevoked({ detail: `session ${subject.credentialId} revoked` });
  }
  const user = await store.getUser(subject.projectId, subject.userId);
  if (user !== undefined && user.tokensValidAfter !== null && user.tokensValidAfter > issuedAtSeconds * 1000) {
    throw new TokenRevoked({ detail: 'the user\'s tokens were revoked' });
  }
}
