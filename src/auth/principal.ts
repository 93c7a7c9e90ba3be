/**
 * The result of authentication: who the caller is, for which project and workspace, through which
 * credential, and what they may do. Every data route reads it; nothing else decides access.
 */

/** Every scope a user credential can carry (SPEC section 4). A user gets all of them by default. */
export const ALL_SCOPES = [
  'threads:read',
  'threads:write',
  'memory:read',
  'memory:write',
  'agents:run',
] as const;

export type Scope = (typeof ALL_SCOPES)[number];

/** Which credential path produced the principal. */
export type CredentialSource =
  | 'workspace_token'
  | 'api_key'
  | 'anonymous'
  | 'user_token'
  | 'auth_rule';

export interface Principal {
  projectId: string;
  userId: string;
  workspaceId: string;
  source: CredentialSource;
  /** The id of the credential behind it: API key id, refresh family id, auth key id, rule id. */
  credentialId: string;
  scopes: ReadonlySet<Scope>;
  /** `'all'`, or the agent ids this principal may run and use memory of. */
  agents: 'all' | readonly string[];
  anonymous: boolean;
  /** When the underlying token expires (seconds since epoch), if it is a token. */
  expiresAt?: number;
  /**
   * For a token issued to the user by someone else (a user token, an identity-provider token):
   * its `iat` in seconds, or null when it has none, held against the user's revocation when it is
   * verified and again, against the database, when it is exchanged for a workspace token
   * (revocation.ts). Absent for the credentials a user revocation does not reach (API keys) and
   * for workspace tokens (their `tva` claim is checked instead).
   */
  issuedAt?: number | null;
  /**
   * True when a backend's own credential acts for this user: a token accepted by a service auth
   * rule, the user taken from `Aui-User-Id` / `Aui-Workspace-Id`. Like an API key, it is not
   * exchanged for a workspace token and a user revocation does not refuse it.
   */
  service?: true;
  /** User fields mapped from claims (mapUser). */
  user: Readonly<Record<string, unknown>>;
}

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}

export function formatScopes(scopes: Iterable<Scope>): string {
  return [...scopes].join(' ');
}
