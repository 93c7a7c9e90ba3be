/**
 * Authentication keys (migration 002): insert, get, list, update, delete. The secret stays sealed here;
 * only auth/auth-key.ts (the platform's verifier) opens it. A delete removes the row, so the next lookup by `kid` misses.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { readJson, writeJson } from '../../store/rows.js';
import type { AuthKeyPatch, AuthKeyRecord } from '../../auth/credential-records.js';
import type { AuthKeysTable, CredentialsDatabase } from './credentials-tables.js';

export interface AuthKeysRepository {
  insertAuthKey(record: AuthKeyRecord): Promise<void>;
  /**
   * The key with this id, within `projectId` when given. The verifier passes `undefined`: a token's
   * `kid` names the key, and the key names the project.
   */
  getAuthKey(projectId: string | undefined, id: string): Promise<AuthKeyRecord | undefined>;
  /** Newest first. */
  listAuthKeys(projectId: string): Promise<AuthKeyRecord[]>;
  /**
   * Writes the fields present in `patch` (never the secret); `userFields: null` clears the mapping.
   * Undefined when there is no such key in the project.
   */
  updateAuthKey(projectId: string, id: string, patch: AuthKeyPatch): Promise<AuthKeyRecord | undefined>;
  /** Deletes the key and its sealed secret. False when there is no such key in the project. */
  deleteAuthKey(projectId: string, id: string): Promise<boolean>;
}

/** An `auth_keys` row as an `AuthKeyRecord`; `agents` is `"all"` or a list of ids. */
export function toAuthKey(row: Selectable<AuthKeysTable>): AuthKeyRecord {
  const agents = readJson(row.agents);
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    agents: agents === 'all' ? 'all' : Array.isArray(agents) ? agents.map(String) : [],
    secretEncrypted: row.secret_encrypted,
    createdAt: Number(row.created_at),
    ...(row.user_fields === null || row.user_fields === undefined ? {} : { userFields: JSON.parse(row.user_fields) as Record<string, string> }),
  };
}

/** The authentication-key methods over `db`. */
export function createAuthKeysRepository(db: Kysely<CredentialsDatabase>): AuthKeysRepository {
  const getAuthKey: AuthKeysRepository['getAuthKey'] = async (projectId, id) => {
    let query = db.selectFrom('auth_keys').selectAll().where('id', '=', id);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : toAuthKey(row);
  };
  return {
    async insertAuthKey(record) {
      await db
        .insertInto('auth_keys')
        .values({
          id: record.id,
          project_id: record.projectId,
          name: record.name,
          agents: writeJson(record.agents),
          secret_encrypted: record.secretEncrypted,
          created_at: record.createdAt,
          user_fields: record.userFields === null || record.userFields === undefined ? null : writeJson(record.userFields),
        })
        .execute();
    },

    getAuthKey,

    async listAuthKeys(projectId) {
      const rows = await db
        .selectFrom('auth_keys')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toAuthKey);
    },

    async updateAuthKey(projectId, id, patch) {
      const columns: Updateable<AuthKeysTable> = {};
      if (patch.name !== undefined) columns.name = patch.name;
      if (patch.agents !== undefined) columns.agents = writeJson(patch.agents);
      if (patch.userFields !== undefined) columns.user_fields = patch.userFields === null ? null : writeJson(patch.userFields);
      if (Object.keys(columns).length > 0) {
        const updated = await db.updateTable('auth_keys').set(columns).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
        if (updated.numUpdatedRows === 0n) return undefined;
      }
      return getAuthKey(projectId, id);
    },

    async deleteAuthKey(projectId, id) {
      const deleted = await db.deleteFrom('auth_keys').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return deleted.numDeletedRows > 0n;
    },
  };
}
