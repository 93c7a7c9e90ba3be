/**
 * Is a provider's token an access token or an ID token? An ID token says who signed in, for the
 * client that asked (OIDC Core §2); an access token says what a client may do at an API (RFC 9068).
 * A rule that wants access tokens refuses ID tokens (`id_token_not_accepted`), as RFC 9068 §4 and
 * the Couchbase model ask, so a token meant for one client's sign-in cannot be replayed at an API.
 *
 * Providers do not mark their tokens the same way, so the decision is a documented list, first
 * match wins. Every input is signed by the provider (this runs after the signature check), so a
 * client cannot relabel a token:
 *
 * 1. header `typ` is `at+jwt` or `application/at+jwt` (RFC 9068 §2.1) → **access**;
 * 2. claim `token_use` is `access` or `id` (Amazon Cognito) → that;
 * 3. claim `typ` is `Bearer` (access) or `ID` (ID) (Keycloak) → that;
 * 4. a claim only ID tokens carry: `nonce`, `at_hash` or `c_hash` (OIDC Core §2, §3.1.3.6,
 *    §3.3.2.11) → **ID**;
 * 5. otherwise → **unmarked**: most providers' access tokens (Auth0, Okta, Entra ID, Supabase,
 *    Clerk session tokens) carry `typ: JWT` and none of the above.
 *
 * `auth_time` is deliberately not a marker: Keycloak and Okta put it in access tokens too.
 * An unmarked token is accepted by every rule: where a rule wants access tokens, its `audience`
 * (your API's identifier, not a client id) is what keeps ID tokens out, since an ID token's `aud`
 * is the client id (OIDC Core §2).
 */
import type { JwsHeader } from '../jwt-strict.js';

export type TokenKind = 'access' | 'id' | 'unmarked';

const ACCESS_TYP = /^(application\/)?at\+jwt$/i;
const ID_TOKEN_ONLY_CLAIMS = ['nonce', 'at_hash', 'c_hash'] as const;

/**
 * @example
 * classifyToken({ alg: 'RS256', typ: 'at+jwt' }, {}) // { kind: 'access', reason: 'typ at+jwt' }
 * classifyToken({ alg: 'RS256' }, { nonce: 'n' })     // { kind: 'id', reason: 'nonce claim' }
 */
export function classifyToken(header: JwsHeader, payload: Record<string, unknown>): { kind: TokenKind; reason: string } {
  if (typeof header.typ === 'string' && ACCESS_TYP.test(header.typ)) return { kind: 'access', reason: `typ ${header.typ}` };
  if (payload.token_use === 'access' || payload.token_use === 'id') return { kind: payload.token_use, reason: `token_use ${payload.token_use}` };
  if (payload.typ === 'Bearer') return { kind: 'access', reason: 'typ claim Bearer' };
  if (payload.typ === 'ID') return { kind: 'id', reason: 'typ claim ID' };
  for (const claim of ID_TOKEN_ONLY_CLAIMS) {
    if (claim in payload) return { kind: 'id', reason: `${claim} claim` };
  }
  return { kind: 'unmarked', reason: 'no access-token or ID-token marker' };
}
