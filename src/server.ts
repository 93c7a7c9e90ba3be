/**
 * Builds every service from the resolved configuration and serves the app: the one place that
 * wires the store, keyring, authenticator, admin key, rate limiters and HTTP server together.
 * Used by `threadgate serve` and by the end-to-end tests.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, type ResolvedConfig } from './config.js';
import { createLogger } from './logger.js';
import { loadMasterKey, type MasterKeySource } from './master-key.js';
import { openStore } from './store/open-store.js';
import { createSecretBox } from './crypto/secret-box.js';
import { createKeyring } from './auth/keyring.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createProviderKeys } from './auth/oidc/provider-keys.js';
import { providerUrlPolicyOf } from './auth/oidc/provider-url.js';
import { createAdminKeyVerifier, ensureAdminKey } from './auth/admin-key.js';
import { createRateLimiters, rateLimiterStore } from './http/middleware/rate-limit.js';
import { createAuthFailures } from './http/middleware/auth-failures.js';
import { createRedisClient } from './redis-client.js';
import { createApp } from './http/app.js';
import type { AppDeps } from './http/context.js';
import { createRouteAccess } from './auth/route-access.js';
import { createRevocationEpoch, subscribeRevocations, type RevocationEpoch } from './auth/revocation-epoch.js';
import { createVerifiedCredentialCache } from './auth/verified-credential-cache.js';
import { withCachedLookups } from './auth/cached-lookups.js';
import { authLookupsOf } from './auth/credential-records.js';
import { answerClientErrors } from './http/client-error.js';
import { createDrainer } from './http/drain.js';
import { createMemoryModule, type MemoryModule } from './modules/memory/index.js';
import { createConversationTitleGenerator } from './titles/conversation-title.js';
import { createUrlSigner } from './files/url-signature.js';
import { openBlobStore } from './files/open-blob-store.js';
import type { BlobStore } from './files/blob-store.js';
import { kyselyOf, poolStatsOf } from './store/kysely-store.js';
import { createEventBus, type EventBus } from './platform/events/bus.js';
import { createMetrics } from './platform/metrics/metrics.js';
import { subscribeMetrics } from './platform/metrics/metrics-subscriber.js';
import { createAuditLog, type AuditLog } from './modules/audit/audit-service.js';
import { createAuditRepository } from './modules/audit/audit-repository.js';
import { subscribeAuditLog } from './modules/audit/audit-subscriber.js';
import { createAgentsModule } from './modules/agents/index.js';
import { applyProvidersFile } from './modules/agents/providers-file.js';
import { agentMemoryOf } from './modules/agents/memory-adapter.js';
import { createCredentialsAdminModule } from './modules/credentials-admin/index.js';
import { createUsersModule } from './modules/users/index.js';
import { createThreadsModule } from './modules/threads/index.js';
import { createRunsModule, runsFollowerOf } from './modules/runs/index.js';
import { announceSessionRevoked, resolveRefreshToken } from './auth/refresh-token.js';
import { revokeRefreshFamilyWith } from './store/kysely-store-auth.js';

export interface Services {
  deps: AppDeps;
  masterKey: MasterKeySource;
  /** The admin key, when this start generated it (print it once); otherwise null. */
  generatedAdminKey: string | null;
  close(): Promise<void>;
}

/** Opens the store (running migrations) and builds every service, without listening. */
export interface ServicesOptions {
  logger?: Logger;
  /** Generate (and return) an admin key when none exists. Default true; CLI tools pass false. */
  generateAdminKey?: boolean;
}

export async function createServices(config: ResolvedConfig, options: ServicesOptions = {}): Promise<Services> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const masterKey = loadMasterKey(config);
  const secretBox = createSecretBox(masterKey.key);
  const metrics = createMetrics();
  const store = await openStore(config.database, { onQuery: (event) => metrics.observeQuery(event.queryDurationMillis, event.level === 'error') });
  let redis: Redis | null = null;
  let subscriber: Redis | null = null;
  let epoch: RevocationEpoch | undefined;
  let memory: MemoryModule | undefined;
  let blobStore: BlobStore | null = null;
  let events: EventBus | undefined;
  let audit: AuditLog | undefined;
  try {
    await store.migrate();
    // Short timeouts and a pino error listener on both (redis-client.ts).
    redis = config.redisUrl === null ? null : createRedisClient(config.redisUrl, logger, 'server');
    subscriber = config.redisUrl === null ? null : createRedisClient(config.redisUrl, logger, 'subscriber');
    // Any revocation, through any path, moves the epoch (a subscriber of the domain events, below);
    // the credential cache re-verifies then. The stored epoch is polled with Redis too: a message
    // lost while Redis was cut is caught up.
    epoch = await createRevocationEpoch({
      store,
      redis,
      subscriber,
      redisKeyPrefix: config.redisKeyPrefix,
      pollMs: config.revocationPollMs,
      logger,
    });
    // The command connection is made meanwhile; wait for it (a second at most, redis-client.ts)
    // so the first rate-limited requests count in Redis rather than in the fallback. Redis down
    // is logged by the client and does not stop the start here.
    await redis?.ping().catch(() => undefined);
    // Domain events (platform/events/): the revocation epoch, the audit log and metrics subscribe;
    // Redis carries them to the other processes. The epoch keeps its own channel and poll too.
    events = createEventBus({ redis, subscriber, redisKeyPrefix: config.redisKeyPrefix, logger });
    subscribeRevocations(events, epoch);
    const poolStats = poolStatsOf(store);
    audit = createAuditLog(
      { projectId: config.projectId, queueSize: config.auditQueueSize, retentionDays: config.auditRetentionDays, background: true },
      { repository: createAuditRepository(kyselyOf(store)), logger },
    );
    subscribeAuditLog(events, audit);
    subscribeMetrics(events, metrics);
    metrics.watch({ auditDropped: audit.dropped, auditQueued: audit.queued, ...(poolStats !== undefined ? { poolStats } : {}) });
    const clock = () => Date.now();
    const keyring = await createKeyring({ store, secretBox, workspaceTokenTtlSeconds: config.workspaceTokenTtlSeconds, clockToleranceSeconds: config.clockToleranceSeconds });
    // A wrong master key would otherwise surface as a 500 on the first mint: refuse to start.
    try {
      await keyring.signingKey();
    } catch (error) {
      throw new ConfigError('THREADGATE_MASTER_KEY', 'cannot decrypt the stored signing key: is this the master key the database was created with?');
    }
    const generatedAdminKey = options.generateAdminKey === false ? null : await ensureAdminKey(store, config.adminKey);
    const cache = createVerifiedCredentialCache({
      maxEntries: config.tokenCacheSize,
      clockToleranceSeconds: config.clockToleranceSeconds,
      epoch: epoch.current,
      clock,
      maxAgeMs: config.cacheMaxAgeMs,
    });
    // Identity-provider keys for auth rules: discovered and fetched now, in the background (retried
    // with backoff; a provider that is down never stops the start), then cached (auth/oidc/).
    const providerKeys = createProviderKeys(
      { jwksCooldownMs: config.jwksCooldownMs, fetchTimeoutMs: config.idpTimeoutMs, allowHttp: providerUrlPolicyOf(config).allowHttp },
      { logger, onJwksFetch: metrics.countJwksFetch },
    );
    // API keys, authentication keys and auth rules (src/modules/credentials-admin): its repository
    // is also what the authenticator reads credentials through (auth/credential-records.ts).
    const credentials = createCredentialsAdminModule({ store, events, config, secretBox: () => secretBox, clock, logger });
    // Users (src/modules/users): it owns no table; a user's revocation writes the platform's users
    // and sessions (store/kysely-store-auth.ts), reached through the module's port.
    const users = createUsersModule({
      revocations: store,
      events,
      config,
      clock,
      logger,
    });
    const enabledRules = (await credentials.repository.listAuthRules(config.projectId)).filter((rule) => rule.enabled);
    void providerKeys.warmUp(enabledRules);
    const limiterStore = rateLimiterStore(config, redis, logger);
    const urlSigner = createUrlSigner(masterKey.key);
    blobStore = await openBlobStore(config, urlSigner);
    // Threads and runs (src/modules/threads, src/modules/runs). A deleted thread takes its
    // telemetry along, and a claim moves it, in the threads module's own transaction (the runs
    // module's follower). The claim revokes the anonymous session in that transaction too, through
    // the sessions port: the family is the platform's credential (auth/refresh-token.ts). Once the
    // transaction has committed, `session.revoked` is published and the revocation epoch, its
    // subscriber, moves before the claim answers.
    const bus = events;
    const threads = createThreadsModule({
      store,
      clock,
      followers: [runsFollowerOf(store)],
      sessions: {
        resolveFamily: (refreshToken) => resolveRefreshToken({ store, clock }, refreshToken),
        revokeFamily: (trx, projectId, familyId, at) => revokeRefreshFamilyWith(trx, projectId, familyId, at),
        familyRevoked: (familyId) => announceSessionRevoked(bus, familyId, 'claim'),
      },
    });
    const runs = createRunsModule({ store, threads: threads.service });
    // Memory (src/modules/memory): its backfill embeds what was written while the embeddings
    // provider was down, and purges expired memories, in the background. A memory may name only
    // a thread its caller can see, which the threads module decides (memory-ports.ts).
    memory = createMemoryModule({ store, config, logger, clock, threads: threads.service, backfill: { intervalMs: config.memoryBackfillMs } });
    // Agents (src/modules/agents): providers, agents and runs over the same database; the run
    // limits share the rate limiters' store (Redis when configured); agents that use memory
    // search and keep the caller's memories through the memory module (memory-adapter.ts).
    const agents = createAgentsModule({ store, threads: threads.service, secretBox, config, limiters: limiterStore, logger, clock, memory: agentMemoryOf(memory.service) });
    if (config.agents.providersFile !== null) await applyProvidersFile(agents.service, secretBox, config.agents.providersFile, process.env, logger);
    const deps: AppDeps = {
      config,
      store,
      keyring,
      secretBox,
      // The verifier's reads (API key by hash, revocation records, auth keys, auth rules) are
      // cached under the same epoch rule and bound as verified credentials (auth/cached-lookups.ts).
      authenticator: createAuthenticator(
        { store: withCachedLookups(authLookupsOf(credentials.repository, store), { maxEntries: config.tokenCacheSize, epoch: epoch.current, maxAgeMs: config.cacheMaxAgeMs, clock }), keyring, config, secretBox, providerKeys },
        { cache, epoch: epoch.current },
      ),
      adminKey: createAdminKeyVerifier(store, config.adminKey),
      rateLimiters: createRateLimiters(config, limiterStore),
      authFailures: createAuthFailures(config, limiterStore, logger, clock, events),
      routeAccess: createRouteAccess({ defaultPrivate: config.defaultPrivate, publicRoutes: config.publicRoutes, metricsPublic: config.metricsPublic }),
      credentials,
      users,
      // A model writes titles when THREADGATE_TITLE_MODEL names one; else they are cut from the
      // conversation itself (titles/).
      titleGenerator: agents.titleGenerator ?? createConversationTitleGenerator(),
      blobStore,
      urlSigner,
      events,
      audit,
      metrics,
      logger,
      clock,
      threads,
      runs,
      agents,
    };
    if (config.memoryBackfillMs > 0) memory.backfill.start();
    deps.memory = memory;
    return {
      deps,
      masterKey,
      generatedAdminKey,
      async close() {
        await memory?.backfill.stop();
        await blobStore?.close();
        await epoch?.close();
        await events?.close();
        // What is queued is written before the store closes.
        await audit?.close();
        subscriber?.disconnect();
        redis?.disconnect();
        await store.close();
      },
    };
  } catch (error) {
    await memory?.backfill.stop();
    await blobStore?.close();
    await epoch?.close();
    await events?.close();
    await audit?.close();
    subscriber?.disconnect();
    redis?.disconnect();
    await store.close();
    throw error;
  }
}

export interface RunningServer extends Services {
  url: string;
  port: number;
  server: ServerType;
}

/**
 * Starts Threadgate and resolves once it listens.
 *
 * @example
 * const running = await startServer(resolveConfig({ PORT: '0', DATABASE_URL: '/tmp/t.db' }))
 * await fetch(`${running.url}/health`)
 * await running.close()
 */
export async function startServer(config: ResolvedConfig, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const services = await createServices(config, options);
  const app = createApp(services.deps);
  const drainer = createDrainer(services.deps.logger);
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve, reject) => {
    const serverOptions = { ServerResponse: drainer.ServerResponse };
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions }, (info: AddressInfo) => {
      resolve({ server, port: info.port });
    });
    server.once('error', reject);
    // What Node's parser refuses never reaches the app: answer it with the JSON contract too.
    answerClientErrors(server as HttpServer, services.deps.logger);
  });
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    ...services,
    server,
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    /** Drains the HTTP server (THREADGATE_SHUTDOWN_TIMEOUT_MS, http/drain.ts), then closes the store and Redis. */
    async close() {
      await drainer.drain(server as HttpServer, config.shutdownTimeoutMs);
      await services.close();
    },
  };
}
