/**
 * The memory module's table, through Kysely, for SQLite and PostgreSQL alike; what differs (the
 * keyword index, JSON operators) is in dialects/. Every query of a caller is bound to a
 * `MemoryScope` (project, workspace, user, agent limits) and leaves expired rows out, so no id,
 * filter or search can reach another user's memory, or an expired one.
 *
 * The admin functions (`countForUser`, `listForUser`, `eraseUser`) take a project and a user only:
 * they see all of that user's memories, in every workspace.
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Json } from '../../store/store.js';
import { createId } from '../../crypto/random-id.js';
import type { MemoryDialect } from './dialects/dialect.js';
import type { KeywordHit, Memory, MemoryFilter, MemoryPage, MemoryPatch, MemoryScope, NewMemory } from './memory-types.js';

interface MemoryRow {
  id: string;
  project_id: string;
  workspace_id: string;
  user_id: string;
  agent_id: string | null;
  thread_id: string | null;
  text: string;
  metadata: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  embedding_model: string | null;
}

const COLUMNS = [
  'm.id', 'm.project_id', 'm.workspace_id', 'm.user_id', 'm.agent_id', 'm.thread_id', 'm.text', 'm.metadata',
  'm.created_at', 'm.updated_at', 'm.expires_at', 'm.embedding_model',
] as const;

function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    projectId: row.project_id,
    workspaceId: row.workspace_id,
    userId: row.user_id,
    agentId: row.agent_id,
    threadId: row.thread_id,
    text: row.text,
    metadata: JSON.parse(row.metadata) as Memory['metadata'],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    embeddingModel: row.embedding_model,
  };
}

/** Whether this machine stores a Float32Array little-endian, as the stored bytes are (x86 and ARM: yes). */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/** float32 little-endian bytes, as stored. */
export function vectorToBytes(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes;
}

/**
 * The vector of stored bytes. On a little-endian machine one copy of the bytes (a driver's Buffer
 * may sit at any offset of a shared pool, so it cannot be viewed in place as float32s); a semantic
 * search decodes every candidate, so this is on its hot path.
 */
export function bytesToVector(bytes: Uint8Array): Float32Array {
  const length = Math.floor(bytes.byteLength / 4);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + length * 4));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(length);
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}

/** The keyset cursor of a page: the last memory's (created_at, id), opaque to clients. */
export function encodeCursor(memory: Pick<Memory, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([memory.createdAt, memory.id])).toString('base64url');
}

/** The cursor's position, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // not JSON
  }
  return undefined;
}

export interface PendingEmbedding {
  id: string;
  text: string;
  updatedAt: number;
}

export interface MemoryRepository {
  readonly dialect: 'sqlite' | 'postgres';
  /** Inserts every item in one transaction: all are written, or none. */
  insertMany(scope: MemoryScope, items: readonly NewMemory[], now: number): Promise<Memory[]>;
  get(scope: MemoryScope, id: string, now: number): Promise<Memory | undefined>;
  update(scope: MemoryScope, id: string, patch: MemoryPatch, now: number): Promise<Memory | undefined>;
  delete(scope: MemoryScope, id: string, now: number): Promise<boolean>;
  list(scope: MemoryScope, filter: MemoryFilter, page: { limit: number; cursor?: { createdAt: number; id: string } }, now: number): Promise<MemoryPage>;
  deleteMany(scope: MemoryScope, filter: MemoryFilter, now: number): Promise<number>;
  keywordSearch(scope: MemoryScope, tokens: readonly string[], filter: MemoryFilter, limit: number, now: number): Promise<KeywordHit[]>;
  /**
   * The newest `max` reachable memories with a vector from `model`, with the vector (exact search
   * is done by the caller); older ones are not read, so a search costs at most `max` vectors
   * however many memories the user has.
   */
  vectorCandidates(scope: MemoryScope, filter: MemoryFilter, model: string, now: number, max: number): Promise<Array<{ memory: Memory; vector: Float32Array }>>;
  /** The oldest memories waiting for an embedding. */
  pendingEmbeddings(limit: number): Promise<PendingEmbedding[]>;
  /** Stores a vector unless the memory changed (or went) since `updatedAt` was read; says whether it did. */
  storeEmbedding(id: string, updatedAt: number, vector: Float32Array, model: string): Promise<boolean>;
  /** Queues for embedding every memory without a vector from `model` (or every memory, with `all`). */
  markForReembed(model: string, all: boolean): Promise<number>;
  countPending(): Promise<number>;
  /** Deletes up to `limit` expired memories; returns how many. */
  purgeExpired(now: number, limit: number): Promise<number>;
  countForUser(projectId: string, userId: string, now: number): Promise<number>;
  listForUser(projectId: string, userId: string, page: { limit: number; cursor?: { createdAt: number; id: string } }, now: number): Promise<MemoryPage>;
  /** Deletes every memory of the user in the project, expired or not, in every workspace. */
  eraseUser(projectId: string, userId: string): Promise<number>;
}

/**
 * @example
 * const repo = createMemoryRepository(kyselyOf(store), sqliteMemoryDialect)
 */
export function createMemoryRepository(db: Kysely<any>, dialect: MemoryDialect): MemoryRepository {
  const live = (now: number) => sql<boolean>`(m.expires_at is null or m.expires_at > ${now})`;

  function scoped(scope: MemoryScope, now: number): Expression<SqlBool>[] {
    const where: Expression<SqlBool>[] = [
      sql<boolean>`m.project_id = ${scope.projectId}`,
      sql<boolean>`m.workspace_id = ${scope.workspaceId}`,
      sql<boolean>`m.user_id = ${scope.userId}`,
      live(now),
    ];
    if (scope.agents !== 'all') {
      where.push(
        scope.agents.length === 0
          ? sql<boolean>`m.agent_id is null`
          : sql<boolean>`(m.agent_id is null or m.agent_id in (${sql.join([...scope.agents])}))`,
      );
    }
    return where;
  }

  function filtered(filter: MemoryFilter): Expression<SqlBool>[] {
    const where: Expression<SqlBool>[] = [];
    if (filter.agentId !== undefined) where.push(sql<boolean>`m.agent_id = ${filter.agentId}`);
    if (filter.threadId !== undefined) where.push(sql<boolean>`m.thread_id = ${filter.threadId}`);
    if (filter.createdAfter !== undefined) where.push(sql<boolean>`m.created_at >= ${filter.createdAfter}`);
    if (filter.createdBefore !== undefined) where.push(sql<boolean>`m.created_at < ${filter.createdBefore}`);
    for (const [key, value] of Object.entries(filter.metadata ?? {})) where.push(dialect.metadataEquals(key, JSON.stringify(value)));
    return where;
  }

  const and = (parts: Expression<SqlBool>[]) => sql<boolean>`(${sql.join(parts, sql` and `)})`;

  async function page(
    base: Expression<SqlBool>[],
    limit: number,
    cursor: { createdAt: number; id: string } | undefined,
  ): Promise<MemoryPage> {
    const where = [...base];
    if (cursor !== undefined) {
      where.push(sql<boolean>`(m.created_at < ${cursor.createdAt} or (m.created_at = ${cursor.createdAt} and m.id < ${cursor.id}))`);
    }
    const rows = (await db
      .selectFrom('memories as m')
      .select(COLUMNS)
      .where(and(where))
      .orderBy('m.created_at', 'desc')
      .orderBy('m.id', 'desc')
      .limit(limit + 1)
      .execute()) as MemoryRow[];
    const memories = rows.slice(0, limit).map(toMemory);
    return { memories, nextCursor: rows.length > limit ? encodeCursor(memories[memories.length - 1]!) : null };
  }

  async function getRow(executor: Kysely<any>, scope: MemoryScope, id: string, now: number): Promise<Memory | undefined> {
    const row = (await executor
      .selectFrom('memories as m')
      .select(COLUMNS)
      .where(and([...scoped(scope, now), sql<boolean>`m.id = ${id}`]))
      .executeTakeFirst()) as MemoryRow | undefined;
    return row === undefined ? undefined : toMemory(row);
  }

  /** Ids of rows matching `where`, for an update or delete (kysely has no aliased UPDATE/DELETE on both). */
  const idsWhere = (where: Expression<SqlBool>[]) => db.selectFrom('memories as m').select('m.id').where(and(where));

  return {
    dialect: dialect.name,

    async insertMany(scope, items, now) {
      if (items.length === 0) return [];
      return db.transaction().execute(async (trx) => {
        const created: Memory[] = [];
        for (const item of items) {
          const id = createId('mem', now);
          await trx
            .insertInto('memories')
            .values({
              id,
              project_id: scope.projectId,
              workspace_id: scope.workspaceId,
              user_id: scope.userId,
              agent_id: item.agentId,
              thread_id: item.threadId,
              text: item.text,
              metadata: JSON.stringify(item.metadata),
              created_at: now,
              updated_at: now,
              expires_at: item.expiresAt,
              embedding: item.embedding === undefined ? null : vectorToBytes(item.embedding.vector),
              embedding_model: item.embedding?.model ?? null,
              embed_pending: item.embedding === undefined ? 1 : 0,
              ...dialect.searchColumns(item.text, scope),
            })
            .execute();
          created.push({
            id,
            projectId: scope.projectId,
            workspaceId: scope.workspaceId,
            userId: scope.userId,
            agentId: item.agentId,
            threadId: item.threadId,
            text: item.text,
            metadata: item.metadata,
            createdAt: now,
            updatedAt: now,
            expiresAt: item.expiresAt,
            embeddingModel: item.embedding?.model ?? null,
          });
        }
        return created;
      });
    },

    get: (scope, id, now) => getRow(db, scope, id, now),

    async update(scope, id, patch, now) {
      const values: Record<string, unknown> = { updated_at: now };
      if (patch.text !== undefined) {
        Object.assign(values, dialect.searchColumns(patch.text, scope), { text: patch.text });
        // New text: the old vector no longer describes it.
        Object.assign(values, patch.embedding !== undefined
          ? { embedding: vectorToBytes(patch.embedding.vector), embedding_model: patch.embedding.model, embed_pending: 0 }
          : { embedding: null, embedding_model: null, embed_pending: 1 });
      }
      if (patch.threadId !== undefined) values.thread_id = patch.threadId;
      if (patch.metadata !== undefined) values.metadata = JSON.stringify(patch.metadata);
      if (patch.expiresAt !== undefined) values.expires_at = patch.expiresAt;
      const result = await db
        .updateTable('memories')
        .set(values)
        .where('id', 'in', idsWhere([...scoped(scope, now), sql<boolean>`m.id = ${id}`]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
      return getRow(db, scope, id, now);
    },

    async delete(scope, id, now) {
      const result = await db
        .deleteFrom('memories')
        .where('id', 'in', idsWhere([...scoped(scope, now), sql<boolean>`m.id = ${id}`]))
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    list: (scope, filter, { limit, cursor }, now) => page([...scoped(scope, now), ...filtered(filter)], limit, cursor),

    async deleteMany(scope, filter, now) {
      const result = await db
        .deleteFrom('memories')
        .where('id', 'in', idsWhere([...scoped(scope, now), ...filtered(filter)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async keywordSearch(scope, tokens, filter, limit, now) {
      if (tokens.length === 0) return [];
      const rows = (await dialect.keywordSearch(db, tokens, scope, and([...scoped(scope, now), ...filtered(filter)]), COLUMNS, limit)) as unknown as Array<MemoryRow & { score: number }>;
      return rows.map((row) => ({ memory: toMemory(row), score: Number(row.score) }));
    },

    async vectorCandidates(scope, filter, model, now, max) {
      // Newest first through the recency index (project, workspace, user, created_at, id): the
      // cap reads `max` index entries, never the user's whole history.
      const rows = (await db
        .selectFrom('memories as m')
        .select([...COLUMNS, 'm.embedding'])
        .where(and([...scoped(scope, now), ...filtered(filter), sql<boolean>`m.embedding_model = ${model}`, sql<boolean>`m.embedding is not null`]))
        .orderBy('m.created_at', 'desc')
        .orderBy('m.id', 'desc')
        .limit(max)
        .execute()) as Array<MemoryRow & { embedding: Uint8Array }>;
      return rows.map((row) => ({ memory: toMemory(row), vector: bytesToVector(row.embedding) }));
    },

    async pendingEmbeddings(limit) {
      const rows = await db
        .selectFrom('memories')
        .select(['id', 'text', 'updated_at'])
        .where('embed_pending', '=', 1)
        .orderBy('updated_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row: any) => ({ id: row.id as string, text: row.text as string, updatedAt: Number(row.updated_at) }));
    },

    async storeEmbedding(id, updatedAt, vector, model) {
      const result = await db
        .updateTable('memories')
        .set({ embedding: vectorToBytes(vector), embedding_model: model, embed_pending: 0 })
        .where('id', '=', id)
        .where('updated_at', '=', updatedAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async markForReembed(model, all) {
      let query = db.updateTable('memories').set({ embed_pending: 1 }).where('embed_pending', '=', 0);
      if (!all) query = query.where((eb) => eb.or([eb('embedding_model', 'is', null), eb('embedding_model', '!=', model)]));
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async countPending() {
      const row = await db.selectFrom('memories').select((eb) => eb.fn.countAll<number>().as('n')).where('embed_pending', '=', 1).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async purgeExpired(now, limit) {
      const result = await db
        .deleteFrom('memories')
        .where('id', 'in', db.selectFrom('memories').select('id').where('expires_at', 'is not', null).where('expires_at', '<=', now).limit(limit))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async countForUser(projectId, userId, now) {
      const row = await db
        .selectFrom('memories as m')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(and([sql<boolean>`m.project_id = ${projectId}`, sql<boolean>`m.user_id = ${userId}`, live(now)]))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    listForUser: (projectId, userId, { limit, cursor }, now) =>
      page([sql<boolean>`m.project_id = ${projectId}`, sql<boolean>`m.user_id = ${userId}`, live(now)], limit, cursor),

    async eraseUser(projectId, userId) {
      const result = await db.deleteFrom('memories').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type { Json };
