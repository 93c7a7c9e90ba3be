/**
 * Authentication keys (migration 002): insert, get, list, delete. The secret stays sealed here;
 * only auth/auth-key.ts opens it. A delete removes the row, so the next lookup by `kid` misses.
 */
import type { Selectable } from 'kysely';
import type { AuthKeysTable } from './database.js';
import { readJson, writeJson } from './rows.js';
import type { StoreContext } from './store-context.js';
import type { AuthKeyRecord, Store } from './store.js';

export type AuthKeyMethods = Pick<Store, 'insertAuthKey' | 'getAuthKey' | 'listAuthKeys' | 'deleteAuthKey'>;

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
  };
}

/** The authentication-key methods of the store, over `ctx.db`. */
export function authKeyMethods(ctx: StoreContext): AuthKeyMethods {
  const { db } = ctx;
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
        })
        .execute();
    },

    async getAuthKey(projectId, id) {
      let query = db.selectFrom('auth_keys').selectAll().where('id', '=', id);
      if (projectId !== undefined) query = query.where('project_id', '=', projectId);
      const row = await query.executeTakeFirst();
      return row === undefined ? undefined : toAuthKey(row);
    },

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

    async deleteAuthKey(projectId, id) {
      const deleted = await db.deleteFrom('auth_keys').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return deleted.numDeletedRows > 0n;
    },
  };
}
