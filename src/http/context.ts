/**
 * What every route handler can reach: the resolved configuration and the services built from it
 * at start (`depsOf(c)`, platform/http/pipeline.ts), plus the per-request `principal` set by the
 * authorization step.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config.js';
import type { Principal } from '../auth/principal.js';
import type { Store } from '../store/store.js';
import type { Keyring } from '../auth/keyring.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { AdminKeyVerifier } from '../auth/admin-key.js';
import type { Context } from 'hono';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuthError, ThreadgateError } from '../errors.js';
import type { RouteAccess } from '../auth/route-access.js';
import type { MemoryModule } from '../modules/memory/index.js';
import type { TitleGenerator } from '../titles/title-generator.js';
import type { BlobStore } from '../files/blob-store.js';
import type { UrlSigner } from '../files/url-signature.js';
import type { EventBus } from '../platform/events/bus.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { AuditLog } from '../modules/audit/audit-service.js';
import type { AgentsModule } from '../modules/agents/index.js';
import type { CredentialsAdminModule } from '../modules/credentials-admin/index.js';
import type { UsersModule } from '../modules/users/index.js';
import type { ThreadsModule } from '../modules/threads/index.js';
import type { RunsModule } from '../modules/runs/index.js';

/** The rate limiters of the token routes (middleware/rate-limit.ts makes them). */
export interface RateLimiters {
  anonymousMint: RateLimiterAbstract;
  refresh: RateLimiterAbstract;
}

/** Failed authentications per address (middleware/auth-failures.ts makes it). */
export interface AuthFailures {
  /**
   * Throws `rate_limited` when the request's address is blocked. Synchronous, from memory: call
   * it before looking at the request's credential.
   */
  refuseIfBlocked(c: Context): void;
  /**
   * Records that the request's credential was refused with `error`: logs it (never the
   * credential) and counts it. Resolves with what to answer: `error`, or `rate_limited` once the
   * address has gone over the limit.
   */
  failed(c: Context, error: AuthError): Promise<ThreadgateError>;
}

export interface AppDeps {
  config: ResolvedConfig;
  store: Store;
  keyring: Keyring;
  secretBox: SecretBox;
  authenticator: Authenticator;
  adminKey: AdminKeyVerifier;
  rateLimiters: RateLimiters;
  /** Failed authentications per address: logged, counted, and refused over the limit. */
  authFailures: AuthFailures;
  /** Which routes need which credential (defaultPrivate, publicRoutes). */
  routeAccess: RouteAccess;
  /** Makes thread titles (`POST /v1/runs/stream`, `system/thread_title`). */
  titleGenerator: TitleGenerator;
  /** Where attachments are kept (files/), or null with THREADGATE_FILES_STORE=off. */
  blobStore: BlobStore | null;
  /** Signs and checks the local file store's URLs (a key derived from the master key). */
  urlSigner: UrlSigner;
  /** Domain events: admin actions and refused credentials are published here (platform/events/). */
  events: EventBus;
  /** The audit log, a subscriber of `events` (modules/audit/). */
  audit: AuditLog;
  /** Prometheus metrics (platform/metrics/), served by `GET /metrics`. */
  metrics: Metrics;
  logger: Logger;
  /** Milliseconds since the epoch; injected so tests can freeze time. */
  clock: () => number;
  /** API keys, authentication keys and auth rules (src/modules/credentials-admin): the admin routes call its service. */
  credentials: CredentialsAdminModule;
  /** Users (src/modules/users): revocation of a user's sessions and tokens. */
  users: UsersModule;
  /** Threads, messages and run leases (src/modules/threads). */
  threads: ThreadsModule;
  /** Run reports, events and scores (src/modules/runs). */
  runs: RunsModule;
  /** The agents module (src/modules/agents): providers, agents, runs. Its routes answer feature_disabled without it. */
  agents?: AgentsModule;
  /** The memory module (src/modules/memory); its routes answer feature_disabled without it. */
  memory?: MemoryModule;
}

export interface AppEnv {
  Variables: {
    /** Set by the authorization step on routes that need a user credential. */
    principal: Principal | undefined;
    /** Headers every response of this request carries (middleware/standard-headers.ts, respond.ts). */
    responseHeaders: Readonly<Record<string, string>>;
  };
}
