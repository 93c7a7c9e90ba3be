/**
 * The store as CLI commands use it: migrated, and wrapped so that a revocation made here (API key,
 * user, authentication key, auth rule) moves the stored revocation epoch and, with REDIS_URL,
 * tells running servers at once, so their credential caches re-verify (auth/revocation-epoch.ts).
 */
import { Redis } from 'ioredis';
import type { ResolvedConfig } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createRevocationEpoch, withRevocationEvents } from '../auth/revocation-epoch.js';

export async function openCliStore(config: ResolvedConfig): Promise<{ store: Store; close(): Promise<void> }> {
  const raw = await openStore(config.database);
  let redis: Redis | null = null;
  try {
    await raw.migrate();
    redis = config.redisUrl === null ? null : new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
    const epoch = await createRevocationEpoch({ store: raw, redis, subscriber: null, redisKeyPrefix: config.redisKeyPrefix, pollMs: 0 });
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
