/**
 * API keys (migration 001): insert, look up by hash, get, list, revoke, touch. Lookups by hash are
 * server-wide (the hash is unique everywhere); every other lookup is bounded by project.
 */
import type { Kysely, Selectable } from 'kysely';
import { readJson, readOptionalTime, readTime } from '../../store/rows.js';
import type { ApiKeyRecord } from '../../auth/credential-records.js';
import type { ApiKeysTable, CredentialsDatabase } from './credentials-tables.js';

export interface ApiKeysRepository {
  insertApiKey(record: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(projectId: string, id: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  listApiKeys(projectId: string): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` if not yet revoked. False when there is no such key. */
  revokeApiKey(projectId: string, id: string, at: number): Promise<boolean>;
  touchApiKey(id: string, at: number): Promise<void>;
}

/** An `api_keys` row as an `ApiKeyRecord`; `agents` is `"all"` or a list of names. */
export function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  const agents = readJson(row.agents);
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    prefix: row.prefix,
    keyHash: row.key_hash,
    scopes: row.scopes,
    agents: agents === 'all' ? 'all' : Array.isArray(agents) ? agents.map(String) : [],
    createdAt: readTime(row.created_at),
    lastUsedAt: readOptionalTime(row.last_used_at),
    revokedAt: readOptionalTime(row.revoked_at),
  };
}

/** The API-key methods over `db`. */
export function createApiKeysRepository(db: Kysely<CredentialsDatabase>): ApiKeysRepository {
  async function getApiKey(projectId: string, id: string) {
    const row = await db.selectFrom('api_keys').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  return {
    async insertApiKey(record) {
      await db
        .insertInto('api_keys')
        .values({
          id: record.id,
          project_id: record.projectId,
          name: record.name,
          prefix: record.prefix,
          key_hash: record.keyHash,
          scopes: record.scopes,
          agents: JSON.stringify(record.agents),
          created_at: record.createdAt,
          last_used_at: record.lastUsedAt,
          revoked_at: record.revokedAt,
        })
        .execute();
    },

    async findApiKeyByHash(keyHash) {
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    getApiKey,

    /** Newest first. */
    async listApiKeys(projectId) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toApiKey);
    },

    async revokeApiKey(projectId, id, at) {
      // The first revocation's time stands; revoking again is not an error.
      const updated = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (updated.numUpdatedRows > 0n) return true;
      return (await getApiKey(projectId, id)) !== undefined;
    },

    async touchApiKey(id, at) {
      // Never backwards: two requests racing to touch the key leave the later time.
      await db
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
        .execute();
    },
  };
}
