/**
 * What kind of credential a failed authentication was about, for the failure's log line
 * (http/middleware/auth-failures.ts): the authenticator tags what it throws with the path that
 * refused the credential; the admin key and refresh tokens are told by their error codes.
 */
import type { ThreadgateError } from '../errors.js';

export type CredentialKind =
  | 'admin_key'
  | 'api_key'
  | 'workspace_token'
  | 'user_token'
  /** An identity provider's token, for an auth rule. */
  | 'auth_rule'
  /** A JWT that no auth rule's issuer or our own issuer claims. */
  | 'jwt'
  | 'refresh_token'
  /** Not a token Threadgate can read at all. */
  | 'malformed';

const kinds = new WeakMap<object, CredentialKind>();

/** Tags `error` with `kind` unless it already has one (the innermost tag is the most precise). */
export function tagCredentialKind(error: unknown, kind: CredentialKind): void {
  if (typeof error === 'object' && error !== null && !kinds.has(error)) kinds.set(error, kind);
}

/** The kind `error` was tagged with, or what its code says. */
export function credentialKindOf(error: ThreadgateError): CredentialKind {
  const tagged = kinds.get(error);
  if (tagged !== undefined) return tagged;
  switch (error.code) {
    case 'invalid_admin_key':
      return 'admin_key';
    case 'invalid_api_key':
      return 'api_key';
    case 'invalid_refresh_token':
    case 'refresh_token_reused':
      return 'refresh_token';
    default:
      return 'malformed';
  }
}
