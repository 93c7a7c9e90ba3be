/**
 * The store as CLI commands use it: migrated, and wrapped so that a revocation made here (API key,
 * user, authentication key, auth rule) moves the stored revocation epoch, which running servers
 * poll, and, with REDIS_URL, tells them at once, so their credential caches re-verify
 * (auth/revocation-epoch.ts). A Redis that cannot be reached only delays that: the revocation is
 * stored, and a warning goes to stderr.
 */
import type { Redis } from 'ioredis';
import type { ResolvedConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createRevocationEpoch, withRevocationEvents } from '../auth/revocation-epoch.js';
import { createRedisClient } from '../redis-client.js';

export async function openCliStore(config: ResolvedConfig): Promise<{ store: Store; close(): Promise<void> }> {
  const raw = await openStore(config.database);
  let redis: Redis | null = null;
  try {
    await raw.migrate();
    // Connected on the first revocation only (most commands never need Redis); its connection
    // problems are logged as JSON on stderr, stdout being the command's output.
    const logger = createLogger(config.logLevel, process.stderr);
    redis = config.redisUrl === null ? null : createRedisClient(config.redisUrl, logger, 'cli', { lazyConnect: true });
    const epoch = await createRevocationEpoch({ store: raw, redis, subscriber: null, redisKeyPrefix: config.redisKeyPrefix, pollMs: 0, logger });
    return {
      store: withRevocationEvents(raw, epoch),
      async close() {
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
