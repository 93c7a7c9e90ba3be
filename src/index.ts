/**
 * The public surface of the `threadgate` package: everything not exported here is internal.
 */
export { resolveConfig, ConfigError, type ResolvedConfig } from './config.js';
export {
  ThreadgateError,
  AuthError,
  ERROR_CATALOGUE,
  ERROR_CODES,
  type ErrorCode,
} from './errors.js';
export { ALL_SCOPES, type Principal, type Scope, type CredentialSource } from './auth/principal.js';
export { createAuthenticator, type Authenticator, type AuthenticateInput, type AuthenticatorDeps } from './auth/authenticate.js';
export type { AuthLookups } from './auth/credential-records.js';
export { createRemoteWorkspaceTokenVerifier, type RemoteWorkspaceTokenOptions } from './auth/remote-workspace-token.js';
export { compileRoutePattern, type RoutePattern } from './auth/route-pattern.js';
export { createRouteAccess, type RouteAccess, type RouteAccessOptions } from './auth/route-access.js';
export { createServices, startServer, type RunningServer, type Services } from './server.js';
export { createApp } from './http/app.js';
export { openStore } from './store/open-store.js';
export { signUserToken, parseDurationSeconds, type SignUserTokenOptions } from './auth/sign-user-token.js';
