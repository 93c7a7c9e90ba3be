/**
 * Authentication: from the request's credential to a `Principal`. The credential picks its path
 * through one table ({@link CREDENTIAL_PATHS}), checked in order; the first row that claims the
 * credential verifies it, and its failure is the answer (no falling through to another path).
 * HS256 user tokens (auth keys) and identity-provider tokens (auth rules) become rows here.
 *
 * A user token may also come in the configured user-token header (THREADGATE_USER_TOKEN_HEADER,
 * e.g. `X-Algolia-Secure-User-Token` for apps migrating from Algolia Agent Studio). That header
 * carries user tokens only, and a request sends one credential (RFC 6750 §2: a client MUST NOT
 * use more than one method to transmit the token).
 */
import type { ResolvedConfig } from '../config.js';
import { AuthError, ClaimMismatch, TokenInvalid } from '../errors.js';
import { looksLikeApiKey, verifyApiKey } from './api-key.js';
import { looksLikeAuthKeyId } from './auth-key.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { extractBearer, isBearerToken } from './bearer.js';
import { parseJwsClaims, type ParsedJws } from './jwt-strict.js';
import type { Keyring } from './keyring.js';
import type { Principal } from './principal.js';
import { checkNotRevoked, checkUserNotRevoked } from './revocation.js';
import { limitToKeyAgents } from './current-agents.js';
import { tagCredentialKind, type CredentialKind } from './credential-kind.js';
import { isTracing, traceStep } from './trace.js';
import type { VerifiedCredentialCache } from './verified-credential-cache.js';
import { verifyWorkspaceToken } from './workspace-token.js';
import { verifyUserToken } from './user-token.js';
import { createProviderKeys, type ProviderKeys } from './oidc/provider-keys.js';
import { providerUrlPolicyOf } from './oidc/provider-url.js';
import { verifyWithAuthRules } from './oidc/auth-rule-verifier.js';
import type { AuthLookups, AuthRuleRecord } from './credential-records.js';

export interface AuthenticateInput {
  /** The `Authorization` header value, if any. */
  authorization: string | undefined;
  /** `Aui-User-Id`, needed with an API key. */
  userIdHeader: string | undefined;
  /** `Aui-Workspace-Id`, needed with an API key. */
  workspaceIdHeader: string | undefined;
  /** The configured user-token header's value (THREADGATE_USER_TOKEN_HEADER), if any. */
  userTokenHeader?: string | undefined;
}

/**
 * What `authenticate` answers: the principal, or `undefined` when no credential was sent, at once
 * when that is known without any I/O (a credential the verified-credential cache holds, or none at
 * all), else a promise of it. Every refusal is a rejected promise, never a throw.
 */
export type Authentication = Principal | undefined | Promise<Principal | undefined>;

export interface Authenticator {
  /**
   * The one entry point: reads the input's credential once, asks the verified-credential cache
   * once, and verifies in full only on a miss (or while an inspection runs). A cached credential
   * is answered in the same tick, without a promise, so a caller that checks for one can go on
   * synchronously; `await` works on every answer. Refuses with an `AuthError` or
   * `ValidationFailed`.
   */
  authenticate(input: AuthenticateInput): Authentication;
}

export interface AuthenticatorDeps {
  /** The credentials, users and sessions it reads (credential-records.ts), cached by the server (cached-lookups.ts). */
  store: AuthLookups;
  keyring: Keyring;
  config: Pick<ResolvedConfig, 'issuer' | 'audience' | 'workspaceTokenTtlSeconds' | 'clockToleranceSeconds' | 'userTokenWorkspaceClaim'> &
    Partial<Pick<ResolvedConfig, 'mode' | 'jwksCooldownMs' | 'idpTimeoutMs' | 'allowHttpIdp'>>;
  /**
   * Identity-provider keys for auth rules (auth/oidc/provider-keys.ts). Default: one built from
   * `config` with the global `fetch`. The server builds it itself, to warm it up at start.
   */
  providerKeys?: ProviderKeys;
  /** Opens authentication key secrets (HS256 user tokens). Without it, a user token is a server error. */
  secretBox?: SecretBox;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
}

/** What a path sees of the credential: the raw token, and for a JWS its parsed form and unverified `iss` and `kid`. */
interface Credential {
  token: string;
  /** Set when the token is a compact JWS whose payload is a JSON object. */
  jwt?: { iss: unknown; kid?: unknown };
  /** The token parsed once (jwt-strict.ts), handed to the path that verifies it. */
  parsed?: ParsedJws;
}

interface CredentialPath {
  name: string;
  /** May look something up (auth rules by issuer); never verifies anything. */
  claims(credential: Credential, deps: Required<AuthenticatorDeps>): boolean | Promise<boolean>;
  verify(credential: Credential, input: AuthenticateInput, deps: Required<AuthenticatorDeps>): Promise<Principal>;
}

/** The rules the `auth_rule` row found for a credential, handed from `claims` to `verify`. */
const matchedRules = new WeakMap<Credential, AuthRuleRecord[]>();

/**
 * The dispatch table, in order. `claims` only looks at the shape of the credential (a prefix, the
 * unverified `iss`), so choosing a path never trusts anything the signature has not covered:
 * the chosen path verifies everything itself.
 */
export const CREDENTIAL_PATHS: readonly CredentialPath[] = [
  {
    name: 'api_key',
    claims: (credential) => looksLikeApiKey(credential.token),
    verify: (credential, input, deps) =>
      verifyApiKey(deps.store, credential.token, { userId: input.userIdHeader, workspaceId: input.workspaceIdHeader }, deps.clock),
  },
  {
    name: 'workspace_token',
    claims: (credential, deps) => credential.jwt !== undefined && credential.jwt.iss === deps.config.issuer,
    async verify(credential, _input, deps) {
      const { principal, claims } = await verifyWorkspaceToken(deps.keyring, deps.config, credential.parsed ?? credential.token, deps.clock);
      const { authKey } = await checkNotRevoked(deps.store, { ...principal, source: claims.src }, claims.tva !== undefined ? { tva: claims.tva } : { iat: claims.iat });
      // An authentication key's agents may have narrowed since the exchange (current-agents.ts).
      return limitToKeyAgents(principal, authKey);
    },
  },
  {
    // An app-signed HS256 token: the header names one of our authentication keys (`ak_...`).
    name: 'user_token',
    claims: (credential, deps) => credential.jwt !== undefined && looksLikeAuthKeyId(credential.jwt.kid) && credential.jwt.iss !== deps.config.issuer,
    async verify(credential, _input, deps) {
      const principal = await verifyUserToken(deps, credential.parsed ?? credential.token);
      // A user revocation refuses the user tokens the app signed before it (revocation.ts).
      await checkUserNotRevoked(deps.store, principal);
      return principal;
    },
  },
  {
    // An identity provider's token: its unverified `iss` is exactly the issuer of an enabled auth rule.
    name: 'auth_rule',
    async claims(credential, deps) {
      const iss = credential.jwt?.iss;
      if (typeof iss !== 'string' || iss === '' || iss === deps.config.issuer) return false;
      const rules = await deps.store.findAuthRulesByIssuer(undefined, iss);
      if (rules.length === 0) return false;
      matchedRules.set(credential, rules);
      return true;
    },
    async verify(credential, input, deps) {
      const principal = await verifyWithAuthRules(matchedRules.get(credential) ?? [], credential.parsed ?? credential.token, {
        resolveKey: (rule) => deps.providerKeys.resolverFor(rule),
        config: deps.config,
        clock: deps.clock,
        // Only a service rule reads them: its token acts for the user they name.
        identityHeaders: { userId: input.userIdHeader, workspaceId: input.workspaceIdHeader },
      });
      // A user revocation refuses the provider's tokens issued before it (revocation.ts); a
      // service rule's token is a backend's own, like an API key, and is not the user's.
      if (principal.service !== true) await checkUserNotRevoked(deps.store, principal);
      return principal;
    },
  },
  {
    name: 'unknown_issuer',
    claims: (credential) => credential.jwt !== undefined,
    async verify(credential) {
      if (typeof credential.jwt?.iss !== 'string' || credential.jwt.iss === '') throw new ClaimMismatch('iss');
      throw new AuthError('unknown_issuer');
    },
  },
];

/** Reads the unverified `iss` of a compact JWS, strictly; throws `TokenInvalid` when malformed. */
function readCredential(token: string): Credential {
  if (looksLikeApiKey(token)) return { token };
  // Parsed once: the path that verifies the token is handed this parsed form.
  const parsed = parseJwsClaims(token);
  return { token, jwt: { iss: parsed.claims.iss, kid: parsed.jws.header.kid }, parsed };
}

/**
 * Creates the authenticator the HTTP layer calls on every data and execution route.
 *
 * @example
 * const authenticator = createAuthenticator({ store, keyring, config })
 * const principal = await authenticator.authenticate({
 *   authorization: req.header('authorization'),
 *   userIdHeader: req.header('aui-user-id'),
 *   workspaceIdHeader: req.header('aui-workspace-id'),
 * })
 */
export function createAuthenticator(
  deps: AuthenticatorDeps,
  options: {
    cache?: VerifiedCredentialCache;
    /**
     * The revocation epoch the cache checks (revocation-epoch.ts). With it, an acceptance whose
     * check raced a revocation (the epoch moved meanwhile) is not cached under the new epoch.
     */
    epoch?: () => number;
  } = {},
): Authenticator {
  const resolved: Required<AuthenticatorDeps> = {
    ...deps,
    clock: deps.clock ?? Date.now,
    secretBox: deps.secretBox ?? NO_SECRET_BOX,
    providerKeys:
      deps.providerKeys ??
      createProviderKeys({
        jwksCooldownMs: deps.config.jwksCooldownMs ?? 30_000,
        fetchTimeoutMs: deps.config.idpTimeoutMs ?? 5000,
        allowHttp: providerUrlPolicyOf(deps.config).allowHttp,
      }),
  };
  const { cache } = options;
  /** The token the input carries and where from; `undefined` when none. Throws when malformed. */
  function credentialOf(input: AuthenticateInput): { token: string; onlyUserTokens: boolean } | undefined {
    const bearer = extractBearer(input.authorization);
    const fromHeader = readUserTokenHeader(input.userTokenHeader);
    if (bearer !== undefined && fromHeader !== undefined && bearer !== fromHeader) {
      throw new TokenInvalid({ message: 'Send one credential: either Authorization: Bearer or the user-token header, not both.' });
    }
    const token = bearer ?? fromHeader;
    return token === undefined ? undefined : { token, onlyUserTokens: bearer === undefined };
  }

  return {
    authenticate(input) {
      let credential: ReturnType<typeof credentialOf>;
      try {
        credential = credentialOf(input);
      } catch (error) {
        tagCredentialKind(error, 'malformed');
        return Promise.reject(error);
      }
      if (credential === undefined) return undefined;
      const { token, onlyUserTokens } = credential;
      // An inspection bypasses the cache so that every check really runs and is reported.
      const cacheKey = cache === undefined || isTracing() ? undefined : cacheKeyFor(token, input, onlyUserTokens);
      if (cacheKey !== undefined) {
        const cached = cache!.get(cacheKey);
        if (cached !== undefined) return cached;
      }
      return verifyAndRemember(token, input, onlyUserTokens, cacheKey);
    },
  };

  /** Verifies in full and, under `cacheKey`, remembers the acceptance unless a revocation raced it. */
  async function verifyAndRemember(token: string, input: AuthenticateInput, onlyUserTokens: boolean, cacheKey: string | undefined): Promise<Principal> {
    const epochBefore = options.epoch?.();
    const principal = await verifyCredential(token, input, onlyUserTokens);
    if (cacheKey !== undefined && options.epoch?.() === epochBefore) cache!.set(cacheKey, principal);
    return principal;
  }

  /** {@link verifyCredentialOnce}, its failure tagged with the credential's kind (for the failure log). */
  async function verifyCredential(token: string, input: AuthenticateInput, onlyUserTokens = false): Promise<Principal> {
    const attempt: { kind: CredentialKind } = { kind: 'malformed' };
    try {
      return await verifyCredentialOnce(token, input, onlyUserTokens, attempt);
    } catch (error) {
      tagCredentialKind(error, attempt.kind);
      throw error;
    }
  }

  async function verifyCredentialOnce(token: string, input: AuthenticateInput, onlyUserTokens: boolean, attempt: { kind: CredentialKind }): Promise<Principal> {
    let credential: Credential;
    try {
      credential = readCredential(token);
    } catch (error) {
      traceStep('well-formed', false);
      throw error;
    }
    traceStep('well-formed', true, credential.jwt === undefined ? 'opaque key' : 'compact JWS');
    let path: CredentialPath | undefined;
    for (const candidate of CREDENTIAL_PATHS) {
      if (await candidate.claims(credential, resolved)) {
        path = candidate;
        break;
      }
    }
    traceStep('credential path', path !== undefined, path?.name ?? 'none');
    if (path !== undefined) attempt.kind = path.name === 'unknown_issuer' ? 'jwt' : (path.name as CredentialKind);
    if (path === undefined) throw new TokenInvalid({ detail: 'no credential path accepts this token' });
    if (onlyUserTokens && path.name !== 'user_token') {
      throw new TokenInvalid({ message: 'The user-token header carries only user tokens signed with an authentication key.', detail: `path ${path.name}` });
    }
    return path.verify(credential, input, resolved);
  }
}

/**
 * An API key's principal depends on the identity headers sent with it; a token's does not. A token
 * from the user-token header has its own entry, since that header accepts user tokens only.
 */
function cacheKeyFor(token: string, input: AuthenticateInput, fromUserTokenHeader = false): string {
  if (fromUserTokenHeader) return `user-token-header\n${token}`;
  if (looksLikeApiKey(token)) return `${token}\n${input.userIdHeader ?? ''}\n${input.workspaceIdHeader ?? ''}`;
  // A service auth rule's token acts for the user in the headers, so with headers the entry is
  // theirs too (a token of another rule ignores them: it only costs a second entry).
  return input.userIdHeader === undefined && input.workspaceIdHeader === undefined ? token : `${token}\n${input.userIdHeader ?? ''}\n${input.workspaceIdHeader ?? ''}`;
}

/**
 * The user-token header's value: the bare token, as Algolia's `X-Algolia-Secure-User-Token` carries
 * it. Held to the Authorization header's token68 rules; `undefined` when the header is absent or
 * empty (clients migrated from Algolia may send it empty before sign-in: it carries nothing).
 */
function readUserTokenHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!isBearerToken(value)) {
    throw new TokenInvalid({ message: 'The user-token header must carry a bare token.' });
  }
  return value;
}

/** Stands in when no secret box was given: a user token is then a server error, not a bad credential. */
const NO_SECRET_BOX: SecretBox = {
  seal() {
    throw new TypeError('createAuthenticator: user tokens need deps.secretBox');
  },
  open() {
    throw new TypeError('createAuthenticator: user tokens need deps.secretBox');
  },
};
