/**
 * The audit log: every admin action and every refused credential, as domain events become rows
 * (audit-subscriber.ts). Writing it never slows or fails the request that caused it:
 *
 * - `record` is synchronous: it puts the event in a bounded in-memory queue and returns;
 * - the queue is written in batches (at most {@link AUDIT_BATCH_SIZE} rows an insert), when a
 *   batch is full or every {@link AUDIT_FLUSH_INTERVAL_MS}, whichever comes first;
 * - a full queue (THREADGATE_AUDIT_QUEUE_SIZE: the database is down or slower than the events)
 *   drops the new event, counts it and logs it (once a minute at most); a failed insert drops its
 *   batch the same way. Never a wait, never an error to the caller.
 *
 * So the audit is best effort by design: an event can be lost to a crash (up to a second of
 * events), a database outage, or a flood. Every refused credential is also in the log
 * (http/middleware/auth-failures.ts), and every admin action in the server's log lines.
 *
 * Events older than THREADGATE_AUDIT_RETENTION_DAYS are purged a minute after start, then every hour.
 */
import type { Logger } from 'pino';
import { createId } from '../../crypto/random-id.js';
import type { AuditQuery, AuditRecord, AuditRepository } from './audit-repository.js';

export const AUDIT_BATCH_SIZE = 100;
export const AUDIT_FLUSH_INTERVAL_MS = 1000;
export const AUDIT_PURGE_INTERVAL_MS = 3_600_000;
/** The first purge, this long after start: not among the start's own queries. */
export const AUDIT_FIRST_PURGE_DELAY_MS = 60_000;
/** While events are being dropped, at most one log line in this interval. */
const DROP_LOG_INTERVAL_MS = 60_000;
const DAY_MS = 86_400_000;

/** What `record` takes: a record without its id, project and time (filled in here). */
export type AuditEntry = Omit<AuditRecord, 'id' | 'projectId' | 'at'> & { at?: number };

export type AuditDropReason = 'queue_full' | 'write_failed';

export interface AuditLog {
  /** Queues the entry; never throws, never waits. */
  record(entry: AuditEntry): void;
  /** Writes what is queued now (tests, shutdown). Never throws. */
  flush(): Promise<void>;
  list(query: Omit<AuditQuery, 'projectId'>): Promise<AuditRecord[]>;
  /** Deletes the events past the retention; returns how many (0 when kept forever). */
  purge(): Promise<number>;
  /** Events dropped since start, by reason (metrics). */
  dropped(): Readonly<Record<AuditDropReason, number>>;
  /** Events waiting to be written. */
  queued(): number;
  /** Stops the timers and writes what is queued. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  projectId: string;
  /** THREADGATE_AUDIT_QUEUE_SIZE. */
  queueSize: number;
  /** THREADGATE_AUDIT_RETENTION_DAYS; 0 keeps everything. */
  retentionDays: number;
  /** Run the periodic flush and purge (a server); a CLI command flushes on close only. */
  background: boolean;
}

export interface AuditLogDeps {
  repository: AuditRepository;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
  clock?: () => number;
}

/**
 * @example
 * const audit = createAuditLog({ projectId, queueSize: 10_000, retentionDays: 90, background: true }, { repository, logger })
 * audit.record({ kind: 'api_key.revoked', actor: 'admin_key', ... })
 */
export function createAuditLog(options: AuditLogOptions, deps: AuditLogDeps): AuditLog {
  const { repository, logger } = deps;
  const clock = deps.clock ?? Date.now;
  let queue: AuditRecord[] = [];
  const dropped: Record<AuditDropReason, number> = { queue_full: 0, write_failed: 0 };
  let unloggedDrops = 0;
  let lastDropLogAt = -Infinity;
  let writing: Promise<void> | undefined;
  let flushSoon = false;
  let closed = false;

  function drop(reason: AuditDropReason, count: number, error?: unknown): void {
    dropped[reason] += count;
    unloggedDrops += count;
    const now = clock();
    if (now - lastDropLogAt < DROP_LOG_INTERVAL_MS) return;
    lastDropLogAt = now;
    logger.warn({ reason, dropped: unloggedDrops, ...(error !== undefined ? { err: error } : {}) }, 'audit log: events dropped');
    unloggedDrops = 0;
  }

  async function writeAll(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.length <= AUDIT_BATCH_SIZE ? queue : queue.slice(0, AUDIT_BATCH_SIZE);
      queue = queue.length <= AUDIT_BATCH_SIZE ? [] : queue.slice(AUDIT_BATCH_SIZE);
      try {
        await repository.insert(batch);
      } catch (error) {
        drop('write_failed', batch.length, error);
      }
    }
  }

  function flush(): Promise<void> {
    // One writer at a time; a flush asked for meanwhile waits for it, then writes what came since.
    writing ??= writeAll().finally(() => (writing = undefined));
    return writing;
  }

  async function purge(): Promise<number> {
    if (options.retentionDays === 0) return 0;
    try {
      const deleted = await repository.purge(options.projectId, clock() - options.retentionDays * DAY_MS);
      if (deleted > 0) logger.info({ deleted, retentionDays: options.retentionDays }, 'audit log: old events purged');
      return deleted;
    } catch (error) {
      logger.error({ err: error }, 'audit log: cannot purge old events; retrying in an hour');
      return 0;
    }
  }

  const timers: NodeJS.Timeout[] = [];
  if (options.background) {
    const flushing = setInterval(() => void flush(), AUDIT_FLUSH_INTERVAL_MS);
    flushing.unref();
    const purging = setInterval(() => void purge(), AUDIT_PURGE_INTERVAL_MS);
    purging.unref();
    const firstPurge = setTimeout(() => void purge(), AUDIT_FIRST_PURGE_DELAY_MS);
    firstPurge.unref();
    timers.push(flushing, purging, firstPurge);
  }

  return {
    record(entry) {
      if (closed) return;
      if (queue.length >= options.queueSize) {
        drop('queue_full', 1);
        return;
      }
      const at = entry.at ?? clock();
      queue.push({ ...entry, id: createId('aud', at), projectId: options.projectId, at });
      if (options.background && queue.length >= AUDIT_BATCH_SIZE && !flushSoon) {
        flushSoon = true;
        setImmediate(() => {
          flushSoon = false;
          void flush();
        });
      }
    },
    flush,
    list: (query) => repository.list({ ...query, projectId: options.projectId }),
    purge,
    dropped: () => ({ ...dropped }),
    queued: () => queue.length,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await flush();
      closed = true;
    },
  };
}
