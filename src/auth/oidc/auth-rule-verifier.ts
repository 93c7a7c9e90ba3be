/**
 * Verifies an identity provider's token against an auth rule (SPEC 2.4 and 8, RFC 8725, RFC 9068)
 * and maps it to a principal. In order:
 *
 * 1. strict parsing (jwt-strict.ts): compact form, no duplicate members, no `crit`, `exp` required
 *    and finite, `nbf`/`iat` finite, `sub` a non-empty string;
 * 2. `alg` in the rule's algorithms (RS256 unless the rule lists others; never `none` nor an HMAC
 *    algorithm: the rule cannot even be saved with one), never taken from the token alone;
 * 3. `kid` required, looked up in the provider's JWKS (provider-keys.ts: discovery, cache,
 *    cooldown); a published key that can never be used is skipped (`unknown_signing_key`) and the
 *    provider's other keys still work; header keys `jku`, `x5u`, `jwk`, `x5c` are never used;
 * 4. the signature (verify-jws.ts), by a key that fits the rule (local-key-set.ts);
 * 5. `exp`, `nbf`, `iat` with the configured clock skew;
 * 6. `iss` exactly the rule's issuer; `aud` (a string, or a list that contains it) the rule's audience;
 * 7. the token type (token-type.ts): an access rule refuses ID tokens (`id_token_not_accepted`),
 *    an ID rule refuses access tokens;
 * 8. required claims; the user id claim (default `sub`); the workspace template; the scopes claim.
 *
 * Does not check `jti` replay, `azp`, `acr`/`amr` or the token's lifetime: a rule can require such
 * claims' values with `required_claims`.
 */
import { mapUser } from '../map-user.js';
import type { ResolvedConfig } from '../../config.js';
import { AuthError, ClaimMismatch, TokenInvalid } from '../../errors.js';
import type { Json } from '../../store/store.js';
import type { AuthRuleRecord } from '../credential-records.js';
import { validateIdentityHeader } from '../api-key.js';
import { checkJwtTimes, parseJwsClaims, parseStrictJwt, type JwtClaims, type ParsedJws } from '../jwt-strict.js';
import type { Principal, Scope } from '../principal.js';
import { parseScopes } from '../policy.js';
import { traceStep } from '../trace.js';
import { verifyCompactJws, type KeyResolver } from '../verify-jws.js';
import { classifyToken } from './token-type.js';
import { parseWorkspaceTemplate, renderWorkspaceTemplate } from './workspace-template.js';

export interface AuthRuleVerifyDeps {
  /** The rule's key resolver (ProviderKeys.resolverFor). */
  resolveKey: (rule: AuthRuleRecord) => KeyResolver;
  config: Pick<ResolvedConfig, 'clockToleranceSeconds'>;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** `Aui-User-Id` / `Aui-Workspace-Id` of the request: the user a service rule's token acts for. */
  identityHeaders?: { userId: string | undefined; workspaceId: string | undefined };
}

/** A required-claim check: `expected` a value (or a list of accepted values); the claim a value or a list. */
function claimSatisfies(actual: unknown, expected: Json): boolean {
  const accepted: Json[] = Array.isArray(expected) ? expected : [expected];
  const values: unknown[] = Array.isArray(actual) ? actual : [actual];
  return values.some((value) => accepted.some((want) => want !== null && typeof want !== 'object' && value === want));
}

function identity(claim: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ClaimMismatch(claim, { detail: `${claim} is not a non-empty string` });
  try {
    return validateIdentityHeader(claim, value);
  } catch (error) {
    throw new ClaimMismatch(claim, { detail: (error as Error).message, cause: error });
  }
}

/** The scopes a token's scopes claim grants: a space-separated string (`scope`) or a list (`scp`). */
function scopesFrom(rule: AuthRuleRecord, payload: JwtClaims): Set<Scope> {
  if (rule.scopesClaim === null) return parseScopes(undefined);
  const claim = rule.scopesClaim;
  const value = Object.hasOwn(payload, claim) ? payload[claim] : undefined;
  const isList = typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
  if (!isList) throw new ClaimMismatch(claim, { message: `The "${claim}" claim must list the token's scopes (this rule reads scopes from it).` });
  // Only Threadgate's own scope names count; the provider's other scopes are ignored (policy.ts).
  return parseScopes(value as string | readonly string[]);
}

/**
 * Verifies `token` under `rule` and returns the principal: `source: 'auth_rule'`, `credentialId` =
 * the rule id, the rule's project, all agents. Throws `TokenInvalid`, `UnknownKeyId`,
 * `JwksUnavailable` (503), `SignatureInvalid`, `TokenExpired`, `TokenNotYetValid`, `ClaimMismatch`
 * (naming the claim) or an `AuthError` with code `id_token_not_accepted`.
 *
 * @example
 * const principal = await verifyAuthRuleToken(rule, token, { resolveKey: providerKeys.resolverFor, config })
 * principal.userId      // the rule's user id claim (sub)
 * principal.workspaceId // the workspace template, or the user id
 */
export async function verifyAuthRuleToken(rule: AuthRuleRecord, token: string | ParsedJws, deps: AuthRuleVerifyDeps): Promise<Principal> {
  const clock = deps.clock ?? Date.now;
  const jwt = parseStrictJwt(token);
  const { header, payload } = jwt;
  await verifyCompactJws(jwt, { algorithms: rule.algorithms, resolveKey: deps.resolveKey(rule) });
  checkJwtTimes(payload, { nowSeconds: clock() / 1000, clockToleranceSeconds: deps.config.clockToleranceSeconds });

  const issuerOk = payload.iss === rule.issuer;
  traceStep('issuer (iss)', issuerOk, () => `expected ${rule.issuer}`);
  if (!issuerOk) throw new ClaimMismatch('iss');
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? [];
  const audienceOk = audiences.includes(rule.audience);
  traceStep('audience (aud)', audienceOk, () => `expected ${rule.audience}`);
  if (!audienceOk) throw new ClaimMismatch('aud');

  const { kind, reason } = classifyToken(header, payload);
  const typeOk = !(rule.tokenType === 'access' && kind === 'id') && !(rule.tokenType === 'id' && kind === 'access');
  traceStep('token type', typeOk, () => `${kind} (${reason}); rule accepts ${rule.tokenType === 'any' ? 'any token' : `${rule.tokenType} tokens`}`);
  if (rule.tokenType === 'access' && kind === 'id') {
    throw new AuthError('id_token_not_accepted', { message: 'An ID token was sent where this auth rule requires an access token.', detail: reason });
  }
  if (rule.tokenType === 'id' && kind === 'access') {
    throw new TokenInvalid({ message: 'An access token was sent where this auth rule requires an ID token.', detail: reason });
  }

  for (const [claim, expected] of Object.entries(rule.requiredClaims)) {
    const actual = Object.hasOwn(payload, claim) ? payload[claim] : undefined;
    if (!claimSatisfies(actual, expected)) {
      traceStep('required claims', false, claim);
      throw new ClaimMismatch(claim, { message: `The "${claim}" claim does not have a value this auth rule requires.` });
    }
  }
  if (Object.keys(rule.requiredClaims).length > 0) traceStep('required claims', true, Object.keys(rule.requiredClaims).join(', '));

  const scopes = scopesFrom(rule, payload);
  const { userId, workspaceId } = rule.service ? serviceIdentity(deps) : claimedIdentity(rule, payload);
  return {
    projectId: rule.projectId,
    userId,
    workspaceId,
    source: 'auth_rule',
    credentialId: rule.id,
    scopes,
    agents: 'all',
    anonymous: false,
    ...(rule.service ? { service: true } : {}),
    expiresAt: payload.exp,
    issuedAt: payload.iat ?? null,
    // A service token's claims are the backend's, not the user's: it maps no user fields.
    user: rule.service ? {} : mapUser(rule.userFields ?? null, payload),
  };
}

/**
 * A service rule's token is a backend's own: it acts for the user the request names, never as a
 * user itself, so one without the identity headers is refused as an API key without them is.
 */
function serviceIdentity(deps: AuthRuleVerifyDeps): { userId: string; workspaceId: string } {
  const userId = validateIdentityHeader('Aui-User-Id', deps.identityHeaders?.userId);
  const workspaceId = validateIdentityHeader('Aui-Workspace-Id', deps.identityHeaders?.workspaceId);
  traceStep('user and workspace', true, 'a service rule: from Aui-User-Id and Aui-Workspace-Id');
  return { userId, workspaceId };
}

/** The user and workspace a user's token names, through the rule's claim and workspace template. */
function claimedIdentity(rule: AuthRuleRecord, payload: JwtClaims): { userId: string; workspaceId: string } {
  const userId = identity(rule.userIdClaim, Object.hasOwn(payload, rule.userIdClaim) ? payload[rule.userIdClaim] : undefined);
  const workspaceId = rule.workspaceTemplate === null ? userId : renderWorkspaceTemplate(parseWorkspaceTemplate(rule.workspaceTemplate), payload);
  traceStep('user and workspace', true, () => `user from "${rule.userIdClaim}", workspace ${rule.workspaceTemplate === null ? '= user id' : `from ${rule.workspaceTemplate}`}`);
  return { userId, workspaceId };
}

/**
 * Verifies `token` with the enabled rules for its issuer (oldest first): rules whose audience the
 * token names are tried first, and the first that accepts wins. When none does, the first rule's
 * error is the answer.
 *
 * Does not look the rules up: the caller passes the rules for the token's unverified `iss`
 * (store.findAuthRulesByIssuer).
 *
 * @example
 * const principal = await verifyWithAuthRules(rules, token, { resolveKey: providerKeys.resolverFor, config })
 */
export async function verifyWithAuthRules(rules: readonly AuthRuleRecord[], token: string | ParsedJws, deps: AuthRuleVerifyDeps): Promise<Principal> {
  if (rules.length === 0) throw new TypeError('verifyWithAuthRules: no rules');
  // Parsed once here, whatever number of rules tries it.
  const parsed = typeof token === 'string' ? parseJwsClaims(token) : token;
  let ordered = rules;
  if (rules.length > 1) {
    const { payload } = parseStrictJwt(parsed);
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? [];
    ordered = [...rules.filter((rule) => audiences.includes(rule.audience)), ...rules.filter((rule) => !audiences.includes(rule.audience))];
  }
  let firstError: unknown;
  for (const rule of ordered) {
    traceStep('auth rule', true, () => `${rule.id} (${rule.name})`);
    try {
      return await verifyAuthRuleToken(rule, parsed, deps);
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}
