/**
 * The store as CLI commands use it, migrated, with the command's domain-event bus and the modules'
 * services the commands call (credentials admin, users), as the admin API calls them. Two
 * subscribers hear the bus:
 * - the revocation epoch (auth/revocation-epoch.ts): a revocation made here (API key, user,
 *   authentication key, auth rule) moves the stored epoch, which running servers poll, and, with
 *   REDIS_URL, tells them at once, so their credential caches re-verify. A Redis that cannot be
 *   reached only delays that: the revocation is stored, and a warning goes to stderr;
 * - the audit log: the CLI's admin actions are audited with the actor `cli` and the
 *   operating-system user, written when the command closes the store.
 */
import type { Redis } from 'ioredis';
import type { ResolvedConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createRevocationEpoch, subscribeRevocations } from '../auth/revocation-epoch.js';
import { createRedisClient } from '../redis-client.js';
import { userInfo } from 'node:os';
import { kyselyOf } from '../store/kysely-store.js';
import { createEventBus, type Actor, type EventBus } from '../platform/events/bus.js';
import { createAuditLog } from '../modules/audit/audit-service.js';
import { createAuditRepository } from '../modules/audit/audit-repository.js';
import { subscribeAuditLog } from '../modules/audit/audit-subscriber.js';
import { createCredentialsAdminModule, type CredentialsAdminModule } from '../modules/credentials-admin/index.js';
import { createUsersModule, type UsersModule } from '../modules/users/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { loadMasterKey } from '../master-key.js';

export interface CliStore {
  store: Store;
  /** Publish what the command did (with `actor`); the audit log hears it. The services below publish their own. */
  events: EventBus;
  /** API keys, authentication keys and auth rules; the master key is read only to create an authentication key. */
  credentials: CredentialsAdminModule;
  users: UsersModule;
  /** The CLI, run by this operating-system user. */
  actor: Actor;
  close(): Promise<void>;
}

/** The operating-system user running the command, if the system says. */
function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export async function openCliStore(config: ResolvedConfig): Promise<CliStore> {
  const raw = await openStore(config.database);
  let redis: Redis | null = null;
  try {
    await raw.migrate();
    // Connected on the first revocation only (most commands never need Redis); its connection
    // problems are logged as JSON on stderr, stdout being the command's output.
    const logger = createLogger(config.logLevel, process.stderr);
    redis = config.redisUrl === null ? null : createRedisClient(config.redisUrl, logger, 'cli', { lazyConnect: true });
    const epoch = await createRevocationEpoch({ store: raw, redis, subscriber: null, redisKeyPrefix: config.redisKeyPrefix, pollMs: 0, logger });
    // In process only: the command's own revocation epoch and audit log hear its events (the
    // epoch tells the servers through its own channel and the stored epoch); a command that
    // revokes nothing should not wait on Redis.
    const events = createEventBus({ logger });
    subscribeRevocations(events, epoch);
    // No timers: a command's few events are written when it closes (purging is the servers' job).
    const audit = createAuditLog(
      { projectId: config.projectId, queueSize: config.auditQueueSize, retentionDays: config.auditRetentionDays, background: false },
      { repository: createAuditRepository(kyselyOf(raw)), logger },
    );
    subscribeAuditLog(events, audit);
    const user = osUser();
    const clock = Date.now;
    return {
      store: raw,
      events,
      credentials: createCredentialsAdminModule({ store: raw, events, config, secretBox: () => createSecretBox(loadMasterKey(config).key), clock }),
      users: createUsersModule({ revocations: raw, events, config, clock }),
      actor: { kind: 'cli', ...(user !== undefined ? { user } : {}) },
      async close() {
        await audit.close();
        await events.close();
        await epoch.close();
        redis?.disconnect();
        await raw.close();
      },
    };
  } catch (error) {
    redis?.disconnect();
    await raw.close();
    throw error;
  }
}
