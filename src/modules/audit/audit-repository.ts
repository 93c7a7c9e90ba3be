/**
 * The audit table (`audit_events`, migrations/009-audit.ts) through Kysely: batch inserts, the
 * keyset list, and the purge. The only code that reads or writes that table.
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../../platform/events/bus.js';

/** One stored audit event. */
export interface AuditRecord {
  id: string;
  projectId: string;
  /** ms since the epoch. */
  at: number;
  kind: string;
  actor: Actor['kind'];
  /** The CLI's operating-system user, if known. */
  actorName: string | null;
  address: string | null;
  /** `METHOD /path` of the request that caused it, if any. */
  route: string | null;
  objectType: string | null;
  objectId: string | null;
  /** JSON-able detail (before/after, a failure's code); never a secret. */
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  projectId: string;
  kind?: string;
  actor?: Actor['kind'];
  objectId?: string;
  /** ms, inclusive. */
  since?: number;
  /** ms, exclusive. */
  until?: number;
  /** Keyset: only events before this one (newest first). */
  after?: { at: number; id: string };
  limit: number;
}

interface AuditEventsTable {
  id: string;
  project_id: string;
  at: number;
  kind: string;
  actor: string;
  actor_name: string | null;
  address: string | null;
  route: string | null;
  object_type: string | null;
  object_id: string | null;
  detail: string;
}

interface AuditDatabase {
  audit_events: AuditEventsTable;
}

export interface AuditRepository {
  insert(records: readonly AuditRecord[]): Promise<void>;
  /** Newest first, `limit` at most. */
  list(query: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes the project's events older than `before` (ms); returns how many. */
  purge(projectId: string, before: number): Promise<number>;
}

function toRow(record: AuditRecord): AuditEventsTable {
  return {
    id: record.id,
    project_id: record.projectId,
    at: record.at,
    kind: record.kind,
    actor: record.actor,
    actor_name: record.actorName,
    address: record.address,
    route: record.route,
    object_type: record.objectType,
    object_id: record.objectId,
    detail: JSON.stringify(record.detail),
  };
}

function toRecord(row: AuditEventsTable): AuditRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    at: Number(row.at),
    kind: row.kind,
    actor: row.actor as Actor['kind'],
    actorName: row.actor_name,
    address: row.address,
    route: row.route,
    objectType: row.object_type,
    objectId: row.object_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

/**
 * @example
 * const repository = createAuditRepository(kyselyOf(store))
 */
export function createAuditRepository(database: Kysely<any>): AuditRepository {
  const db = database as Kysely<AuditDatabase>;
  return {
    async insert(records) {
      if (records.length === 0) return;
      await db.insertInto('audit_events').values(records.map(toRow)).execute();
    },
    async list(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1) throw new TypeError(`limit must be a positive integer, got ${query.limit}`);
      let select = db.selectFrom('audit_events').selectAll().where('project_id', '=', query.projectId);
      if (query.kind !== undefined) select = select.where('kind', '=', query.kind);
      if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
      if (query.objectId !== undefined) select = select.where('object_id', '=', query.objectId);
      if (query.since !== undefined) select = select.where('at', '>=', query.since);
      if (query.until !== undefined) select = select.where('at', '<', query.until);
      const after = query.after;
      if (after !== undefined) {
        select = select.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
      }
      const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toRecord);
    },
    async purge(projectId, before) {
      const result = await db.deleteFrom('audit_events').where('project_id', '=', projectId).where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
