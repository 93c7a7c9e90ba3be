/**
 * What every route handler can reach: the resolved configuration and the services built from it
 * at start, plus the per-request `principal` set by the authorization step.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config.js';
import type { Principal } from '../auth/principal.js';
import type { Store } from '../store/store.js';
import type { Keyring } from '../auth/keyring.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { AdminKeyVerifier } from '../auth/admin-key.js';
import type { RateLimiters } from './middleware/rate-limit.js';
import type { RouteAccess } from '../auth/route-access.js';
import type { MemoryModule } from '../modules/memory/index.js';

export interface AppDeps {
  config: ResolvedConfig;
  store: Store;
  keyring: Keyring;
  secretBox: SecretBox;
  authenticator: Authenticator;
  adminKey: AdminKeyVerifier;
  rateLimiters: RateLimiters;
  /** Which routes need which credential (defaultPrivate, publicRoutes). */
  routeAccess: RouteAccess;
  logger: Logger;
  /** Milliseconds since the epoch; injected so tests can freeze time. */
  clock: () => number;
  /** The memory module (src/modules/memory); its routes answer feature_disabled without it. */
  memory?: MemoryModule;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    /** Set by the authorization step on routes that need a user credential. */
    principal: Principal | undefined;
    /** Headers every response of this request carries (middleware/standard-headers.ts, respond.ts). */
    responseHeaders: Readonly<Record<string, string>>;
  };
}
