/**
 * Workspace tokens (SPEC 2.1): short-lived JWT access tokens that Threadgate signs itself with the
 * keyring's ES256 key, in the RFC 9068 profile (`typ: at+jwt`). Whoever holds one acts as one user in
 * one workspace of one project, with the scopes and agents it lists.
 *
 * Claims: `iss`, `aud`, `sub` (user), `workspace_id`, `project_id`, `scope` (space-separated),
 * `agents` (absent = all agents), `anon` (present and true only for anonymous sessions), `src` and
 * `cid` (the credential it was minted from, for revocation), `client_id` (= `cid`, RFC 9068 §2.2),
 * `jti`, `iat`, `exp`, and `tva`: the user's revocation mark when the token was minted (revocation.ts),
 * so a user revocation refuses exactly the tokens minted before it.
 */
import { readUserClaim, type UserFields } from './map-user.js';
import { SignJWT } from 'jose';
import type { ResolvedConfig } from '../config.js';
import { ClaimMismatch, TokenInvalid } from '../errors.js';
import { createSecret } from '../crypto/random-id.js';
import { checkJwtTimes, parseStrictJwt, type JwtClaims, type ParsedJws } from './jwt-strict.js';
import type { Keyring } from './keyring.js';
import { formatScopes, type CredentialSource, type Principal, type Scope } from './principal.js';
import { agentLimits, parseScopes } from './policy.js';
import { verifyCompactJws } from './verify-jws.js';

/** The algorithms a workspace token may use; each key also pins its own (never the token's choice). */
export const WORKSPACE_TOKEN_ALGORITHMS = ['ES256', 'EdDSA'] as const;

/** RFC 9068 §4: `typ` is `at+jwt` (or the full media type `application/at+jwt`). */
const ACCESS_TOKEN_TYP = /^(application\/)?at\+jwt$/i;

const CREDENTIAL_SOURCES: readonly CredentialSource[] = ['workspace_token', 'api_key', 'anonymous', 'user_token', 'auth_rule'];

export type WorkspaceTokenConfig = Pick<ResolvedConfig, 'issuer' | 'audience' | 'workspaceTokenTtlSeconds' | 'clockToleranceSeconds'>;

export interface WorkspaceTokenInput {
  projectId: string;
  userId: string;
  workspaceId: string;
  scopes: Iterable<Scope>;
  agents: 'all' | readonly string[];
  anonymous: boolean;
  /** The credential this token is minted from: checked for revocation on every use. */
  credential: { source: CredentialSource; id: string };
  /** Lifetime in seconds; default `config.workspaceTokenTtlSeconds` (300). */
  ttlSeconds?: number;
  /**
   * The user's revocation mark read from the database just before minting (`tokensValidAfter`,
   * 0 when never revoked: `readUserRevocationMark` in revocation.ts), carried as `tva`.
   * Without it the token has no `tva` and is held to the `iat` rule, to the second.
   */
  tokensValidAfter?: number;
  /** Mapped user fields (auth/map-user.ts), carried as `usr` so an exchange keeps them. */
  user?: UserFields;
}

/** The claims of a verified workspace token. */
export interface WorkspaceTokenClaims extends JwtClaims {
  iss: string;
  iat: number;
  workspace_id: string;
  project_id: string;
  scope: string;
  agents?: string[];
  anon?: boolean;
  src: CredentialSource;
  cid: string;
  tva?: number;
}

export interface VerifiedWorkspaceToken {
  /** `source` is always `workspace_token`; `credentialId` is the `cid` it was minted from. */
  principal: Principal;
  claims: WorkspaceTokenClaims;
}

/**
 * Signs a workspace token with the keyring's active key. Returns the token and its expiry in
 * seconds since the epoch.
 *
 * Does not check that the caller may have these scopes or agents: the caller narrows them first.
 *
 * @example
 * const { token, expiresAt } = await mintWorkspaceToken(keyring, config, {
 *   projectId: 'default', userId: 'alice', workspaceId: 'ws-alice', scopes: ALL_SCOPES,
 *   agents: 'all', anonymous: false, credential: { source: 'api_key', id: 'apikey_01...' },
 * })
 */
export async function mintWorkspaceToken(
  keyring: Keyring,
  config: Pick<ResolvedConfig, 'issuer' | 'audience' | 'workspaceTokenTtlSeconds'>,
  input: WorkspaceTokenInput,
  clock: () => number = Date.now,
): Promise<{ token: string; expiresAt: number }> {
  for (const [name, value] of [['userId', input.userId], ['workspaceId', input.workspaceId], ['projectId', input.projectId], ['credential.id', input.credential.id]] as const) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`mintWorkspaceToken: ${name} must be a non-empty string`);
  }
  const ttlSeconds = input.ttlSeconds ?? config.workspaceTokenTtlSeconds;
  const iat = Math.floor(clock() / 1000);
  const exp = iat + ttlSeconds;
  const claims: Record<string, unknown> = {
    iss: config.issuer,
    aud: config.audience,
    sub: input.userId,
    workspace_id: input.workspaceId,
    project_id: input.projectId,
    scope: formatScopes(new Set(input.scopes)),
    ...(input.agents === 'all' ? {} : { agents: [...input.agents] }),
    ...(input.anonymous ? { anon: true } : {}),
    src: input.credential.source,
    cid: input.credential.id,
    client_id: input.credential.id,
    jti: createSecret(16),
    iat,
    exp,
    ...(input.tokensValidAfter !== undefined ? { tva: input.tokensValidAfter } : {}),
    ...(input.user !== undefined && Object.keys(input.user).length > 0 ? { usr: input.user } : {}),
  };
  const { kid, alg, privateKey } = await keyring.signingKey();
  const token = await new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'at+jwt' }).sign(privateKey);
  return { token, expiresAt: exp };
}

function requireString(claims: Record<string, unknown>, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value === '') throw new ClaimMismatch(name);
  return value;
}

/**
 * Verifies a workspace token: strict parse, `alg` fixed to the key's algorithm (ES256), signature by
 * a published keyring key, then `exp`/`nbf`/`iat` with `config.clockToleranceSeconds`, `typ`
 * (`at+jwt`), `iss` = `config.issuer`, `aud` ∋ `config.audience`, and every Threadgate claim.
 * Throws `TokenInvalid`, `UnknownKeyId`, `SignatureInvalid`, `TokenExpired`, `TokenNotYetValid` or
 * `ClaimMismatch` (naming the claim).
 *
 * Does not check revocation (API key revoked, session revoked, user's tokens revoked): see
 * `checkNotRevoked`, which `authenticate` runs next.
 *
 * @example
 * const { principal, claims } = await verifyWorkspaceToken(keyring, config, token)
 */
export async function verifyWorkspaceToken(
  keyring: Pick<Keyring, 'resolveKey'>,
  config: WorkspaceTokenConfig,
  token: string | ParsedJws,
  clock: () => number = Date.now,
): Promise<VerifiedWorkspaceToken> {
  const jwt = parseStrictJwt(token);
  const { header, payload } = jwt;
  await verifyCompactJws(jwt, { algorithms: WORKSPACE_TOKEN_ALGORITHMS, resolveKey: keyring.resolveKey });
  checkJwtTimes(payload, { nowSeconds: clock() / 1000, clockToleranceSeconds: config.clockToleranceSeconds });
  if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYP.test(header.typ)) {
    throw new TokenInvalid({ message: 'The token is not a workspace access token (typ).', detail: 'typ is not at+jwt' });
  }
  if (payload.iss !== config.issuer) throw new ClaimMismatch('iss');
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? [];
  if (!audiences.includes(config.audience)) throw new ClaimMismatch('aud');
  if (payload.iat === undefined) throw new ClaimMismatch('iat', { detail: 'iat is missing' });

  const workspaceId = requireString(payload, 'workspace_id');
  const projectId = requireString(payload, 'project_id');
  const credentialId = requireString(payload, 'cid');
  const src = payload.src;
  if (typeof src !== 'string' || !(CREDENTIAL_SOURCES as readonly string[]).includes(src)) throw new ClaimMismatch('src');
  if (typeof payload.scope !== 'string') throw new ClaimMismatch('scope');
  const scopes = parseScopes(payload.scope);
  let agents: 'all' | readonly string[] = 'all';
  if (payload.agents !== undefined) {
    if (!Array.isArray(payload.agents) || !payload.agents.every((agent) => typeof agent === 'string' && agent !== '')) {
      throw new ClaimMismatch('agents');
    }
    agents = agentLimits(payload.agents as string[]);
  }
  if (payload.anon !== undefined && typeof payload.anon !== 'boolean') throw new ClaimMismatch('anon');
  if (payload.tva !== undefined && !(typeof payload.tva === 'number' && Number.isSafeInteger(payload.tva) && payload.tva >= 0)) throw new ClaimMismatch('tva');

  const principal: Principal = {
    projectId,
    userId: payload.sub,
    workspaceId,
    source: 'workspace_token',
    credentialId,
    scopes,
    agents,
    anonymous: payload.anon === true,
    expiresAt: payload.exp,
    user: readUserClaim(payload.usr),
  };
  return { principal, claims: payload as WorkspaceTokenClaims };
}

/**
 * Mints a workspace token carrying a principal's user, workspace, scopes and agents, tied to the
 * credential the principal came from (so revoking that credential refuses the token too) and to
 * the user's revocation mark `tokensValidAfter` (read from the database: `readUserRevocationMark`).
 *
 * @example
 * const { token } = await mintWorkspaceTokenFor(keyring, config, principal, await readUserRevocationMark(store, principal))
 */
export function mintWorkspaceTokenFor(
  keyring: Keyring,
  config: WorkspaceTokenConfig,
  principal: Principal,
  tokensValidAfter: number,
  clock: () => number = Date.now,
): Promise<{ token: string; expiresAt: number }> {
  return mintWorkspaceToken(keyring, config, {
    projectId: principal.projectId,
    userId: principal.userId,
    workspaceId: principal.workspaceId,
    scopes: principal.scopes,
    agents: principal.agents,
    anonymous: principal.anonymous,
    credential: { source: principal.source, id: principal.credentialId },
    tokensValidAfter,
    user: principal.user as UserFields,
  }, clock);
}
