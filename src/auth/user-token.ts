/**
 * User tokens (SPEC 2.3, Algolia Agent Studio's "secure user token"): HS256 JWTs that an app's
 * backend signs with an authentication key (auth-key.ts) for one of its users.
 *
 * - header: `alg` HS256, fixed here and never taken from the token (RFC 8725 §3.1): `none`, RS/ES/PS
 *   algorithms and HS384/HS512 are refused even when `kid` names a real key, so a public key can
 *   never be used as an HMAC secret nor the reverse (RFC 8725 §2.1); `kid` = the key id;
 * - claims: `sub` (user id) and `exp` required, `nbf`/`iat` checked with the clock tolerance,
 *   `aud`/`iss` optional and not checked (the `kid` already names the only party that can sign);
 * - workspace: the configured claim (THREADGATE_USER_TOKEN_WORKSPACE_CLAIM, default
 *   `workspace_id`) when present, else `sub` (a user's own workspace, as in Algolia);
 * - scopes: every scope, or the token's `scope` claim (space-separated) within them;
 * - agents: the key's;
 * - user fields: the claims the key's `user_fields` name (SPEC 3's mapUser, map-user.ts).
 */
import type { ResolvedConfig } from '../config.js';
import { ClaimMismatch, UnknownKeyId } from '../errors.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { AuthKeyRecord, CredentialLookups } from './credential-records.js';
import { validateIdentityHeader } from './api-key.js';
import { loadAuthKey } from './auth-key.js';
import { checkJwtTimes, parseStrictJwt, type ParsedJws } from './jwt-strict.js';
import type { Principal } from './principal.js';
import { mapUser } from './map-user.js';
import { agentLimits, parseScopes } from './policy.js';
import { traceStep } from './trace.js';
import { verifyCompactJws } from './verify-jws.js';

/** The one algorithm a user token may use. */
export const USER_TOKEN_ALGORITHMS = ['HS256'] as const;

export interface UserTokenDeps {
  store: Pick<CredentialLookups, 'getAuthKey'>;
  secretBox: SecretBox;
  config: Pick<ResolvedConfig, 'clockToleranceSeconds' | 'userTokenWorkspaceClaim'>;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
}

/**
 * A user id or workspace id from a claim, held to the rules of the `Aui-User-Id` and
 * `Aui-Workspace-Id` headers (printable ASCII, at most 255 characters), so every credential path
 * yields ids of one shape. Throws `ClaimMismatch` naming the claim.
 */
function identityClaim(claim: string, value: unknown): string {
  if (typeof value !== 'string') throw new ClaimMismatch(claim, { detail: `${claim} is not a string` });
  try {
    return validateIdentityHeader(claim, value);
  } catch (error) {
    throw new ClaimMismatch(claim, { detail: (error as Error).message, cause: error });
  }
}

/**
 * Verifies a user token and returns its principal: `source: 'user_token'`, `credentialId` = the
 * key id, the key's project and agents. Checks, in order: strict parsing (jwt-strict.ts: compact
 * form, no duplicate members, no `crit`, `exp` required and finite, `sub` non-empty), `alg` = HS256,
 * the key named by `kid` (read through the store on every call; the authenticator's cached reads
 * are emptied by any deletion, so a deleted key is refused on the very next request), the signature, `exp`/`nbf`/`iat` with `config.clockToleranceSeconds`, then
 * the user, workspace and scope claims.
 *
 * Throws `TokenInvalid` (malformed, another algorithm), `UnknownKeyId` (no such key, or deleted),
 * `SignatureInvalid`, `TokenExpired`, `TokenNotYetValid` or `ClaimMismatch` (naming the claim).
 *
 * Does not check `aud`, `iss`, `jti` or the token's lifetime (exp − iat): any lifetime the app's
 * backend chooses is accepted. Keys named in the header (`jku`, `jwk`, `x5u`, `x5c`) are ignored.
 *
 * @example
 * const principal = await verifyUserToken({ store, secretBox, config }, token)
 * principal.userId      // the token's sub
 * principal.workspaceId // its workspace_id claim, or sub
 */
export async function verifyUserToken(deps: UserTokenDeps, token: string | ParsedJws): Promise<Principal> {
  const clock = deps.clock ?? Date.now;
  const jwt = parseStrictJwt(token);
  const { payload } = jwt;
  let record: AuthKeyRecord | undefined;
  await verifyCompactJws(jwt, {
    algorithms: USER_TOKEN_ALGORITHMS,
    async resolveKey(header) {
      const loaded = await loadAuthKey(deps.store, deps.secretBox, header.kid);
      if (loaded === undefined) throw new UnknownKeyId({ detail: 'no authentication key with this kid (never created, or deleted)' });
      record = loaded.record;
      return { key: loaded.secret, algorithm: 'HS256' };
    },
  });
  checkJwtTimes(payload, { nowSeconds: clock() / 1000, clockToleranceSeconds: deps.config.clockToleranceSeconds });

  const userId = identityClaim('sub', payload.sub);
  const workspaceClaim = deps.config.userTokenWorkspaceClaim;
  const workspaceId = workspaceClaim in payload ? identityClaim(workspaceClaim, payload[workspaceClaim]) : userId;
  traceStep('workspace', true, () => workspaceClaim in payload ? `from the "${workspaceClaim}" claim` : 'from sub (no workspace claim)');
  if ('scope' in payload && typeof payload.scope !== 'string') throw new ClaimMismatch('scope', { detail: 'scope is not a string' });
  // A key grants every scope; a `scope` claim narrows it (unknown scopes are ignored, RFC 9068 §2.2.3).
  const scopes = parseScopes(payload.scope as string | undefined);

  const key = record!;
  return {
    projectId: key.projectId,
    userId,
    workspaceId,
    source: 'user_token',
    credentialId: key.id,
    scopes,
    agents: agentLimits(key.agents),
    anonymous: false,
    expiresAt: payload.exp,
    issuedAt: payload.iat ?? null,
    user: mapUser(key.userFields ?? null, payload),
  };
}
