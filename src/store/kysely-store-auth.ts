/**
 * Workspace-token signing keys, users, refresh-token families and tokens, and server settings.
 * Lookups by hash are server-wide (the hash is unique everywhere); every other lookup is bounded
 * by project. (API keys, authentication keys and auth rules: src/modules/credentials-admin.)
 *
 * These tables are the platform's: a credential check reads them. So a user's revocation
 * (`revokeUserTokens`) is written here too; the users module, which decides when, reaches it
 * through its port (modules/users/users-ports.ts) and owns no table.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { StoreContext } from './store-context.js';
import type { Store } from './store.js';
import { toRefreshFamily, toRefreshToken, toSigningKey, toUser, writeFlag } from './rows.js';

export type AuthMethods = Pick<
  Store,
  | 'listSigningKeys' | 'insertSigningKey' | 'retireSigningKeys' | 'pruneSigningKeys'
  | 'upsertUser' | 'getUser' | 'revokeUserTokens'
  | 'insertRefreshFamily' | 'getRefreshFamily' | 'revokeRefreshFamily'
  | 'insertRefreshToken' | 'findRefreshTokenByHash' | 'consumeRefreshToken'
  | 'getSetting' | 'putSettingIfAbsent' | 'putSetting'
>;

/**
 * In an upsert of `users`: a proposed `tokens_valid_after` (a revocation) raises the stored one
 * strictly: to the proposed instant when it is later, else to one millisecond past the stored one.
 * So a revocation is never loosened by a write that carries an older instant, and every revocation
 * moves the mark, even one made at the same millisecond or by a process whose clock lags: the mark
 * is also the user's revocation generation, which workspace tokens carry as `tva`
 * (auth/revocation.ts). No proposed instant (null) leaves the stored one. `upsertUser` and
 * `revokeUserTokens` both raise it so.
 */
const raisedTokensValidAfter = sql<number | null>`case
  when excluded.tokens_valid_after is null then users.tokens_valid_after
  when users.tokens_valid_after is null or excluded.tokens_valid_after > users.tokens_valid_after
    then excluded.tokens_valid_after
  else users.tokens_valid_after + 1
end`;

/**
 * Revokes a refresh family (if not yet revoked) through `db`: the store's own connection, or a
 * transaction another part runs, so the revocation commits with its writes (the anonymous claim,
 * modules/threads, wired in server.ts). Moves no revocation epoch: the caller does, once committed.
 *
 * @example
 * await db.transaction().execute((trx) => revokeRefreshFamilyWith(trx, projectId, familyId, Date.now()))
 */
export async function revokeRefreshFamilyWith(db: Kysely<any>, projectId: string, familyId: string, at: number): Promise<void> {
  await (db as Kysely<Database>)
    .updateTable('refresh_families')
    .set({ revoked_at: at })
    .where('project_id', '=', projectId)
    .where('id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** The credential and settings methods of the store, over `ctx.db`. */
export function authMethods(ctx: StoreContext): AuthMethods {
  const { db } = ctx;

  return {
    /** Newest first, ties by kid (the keyring picks the active key the same way). */
    async listSigningKeys() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
      return rows.map(toSigningKey);
    },

    async insertSigningKey(record) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: record.kid,
          alg: record.alg,
          public_jwk: record.publicJwk,
          private_jwk_encrypted: record.privateJwkEncrypted,
          created_at: record.createdAt,
          retired_at: record.retiredAt,
          publish_until: record.publishUntil,
        })
        .execute();
    },

    async retireSigningKeys(exceptKid, retiredAt, publishUntil) {
      // Only active keys: a key retired earlier keeps its own, earlier, publishUntil.
      await db
        .updateTable('signing_keys')
        .set({ retired_at: retiredAt, publish_until: publishUntil })
        .where('retired_at', 'is', null)
        .where('kid', '!=', exceptKid)
        .execute();
    },

    async pruneSigningKeys(now) {
      // `<=`: the keyring publishes a retired key while publishUntil > now, so at publishUntil it is gone.
      const deleted = await db
        .deleteFrom('signing_keys')
        .where('retired_at', 'is not', null)
        .where('publish_until', 'is not', null)
        .where('publish_until', '<=', now)
        .executeTakeFirst();
      return Number(deleted.numDeletedRows);
    },

    async upsertUser(record) {
      await db
        .insertInto('users')
        .values({
          project_id: record.projectId,
          id: record.id,
          anonymous: writeFlag(record.anonymous),
          created_at: record.createdAt,
          tokens_valid_after: record.tokensValidAfter,
        })
        .onConflict((oc) =>
          oc.columns(['project_id', 'id']).doUpdateSet((eb) => ({
            anonymous: eb.ref('excluded.anonymous'),
            tokens_valid_after: raisedTokensValidAfter,
          })),
        )
        .execute();
    },

    async getUser(projectId, userId) {
      const row = await db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('id', '=', userId).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async revokeUserTokens(projectId, userId, at) {
      // One transaction: the user's mark and the user's sessions end together.
      await db.transaction().execute(async (trx) => {
        // A user never seen before gets a row (not anonymous: we know nothing else about it), so the
        // revocation also holds against tokens minted for it later with an older `iat`.
        await trx
          .insertInto('users')
          .values({ project_id: projectId, id: userId, anonymous: 0, created_at: at, tokens_valid_after: at })
          .onConflict((oc) => oc.columns(['project_id', 'id']).doUpdateSet({ tokens_valid_after: raisedTokensValidAfter }))
          .execute();
        // Every session (refresh family) the user has now ends with it: a refresh rotated while this
        // ran cannot outlive the revocation, whatever its creation time says.
        await trx
          .updateTable('refresh_families')
          .set({ revoked_at: at })
          .where('project_id', '=', projectId)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
      });
    },

    async insertRefreshFamily(record) {
      await db
        .insertInto('refresh_families')
        .values({
          id: record.id,
          project_id: record.projectId,
          user_id: record.userId,
          workspace_id: record.workspaceId,
          created_at: record.createdAt,
          revoked_at: record.revokedAt,
        })
        .execute();
    },

    async getRefreshFamily(projectId, familyId) {
      const row = await db
        .selectFrom('refresh_families')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', familyId)
        .executeTakeFirst();
      return row === undefined ? undefined : toRefreshFamily(row);
    },

    revokeRefreshFamily: (projectId, familyId, at) => revokeRefreshFamilyWith(db, projectId, familyId, at),

    async insertRefreshToken(record) {
      await db
        .insertInto('refresh_tokens')
        .values({
          id: record.id,
          family_id: record.familyId,
          project_id: record.projectId,
          token_hash: record.tokenHash,
          created_at: record.createdAt,
          expires_at: record.expiresAt,
          consumed_at: record.consumedAt,
          successor_encrypted: record.successorEncrypted,
        })
        .execute();
    },

    async findRefreshTokenByHash(tokenHash) {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row === undefined ? undefined : toRefreshToken(row);
    },

    async consumeRefreshToken(id, at, successorEncrypted) {
      // One conditional UPDATE: the database decides which of two racing refreshes wins. Reading
      // consumed_at first and writing afterwards would let both see null and both succeed.
      const updated = await db
        .updateTable('refresh_tokens')
        .set({ consumed_at: at, successor_encrypted: successorEncrypted })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return updated.numUpdatedRows > 0n;
    },

    async getSetting(key) {
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },

    async putSetting(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value, created_at: ctx.clock() })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },

    async putSettingIfAbsent(key, value) {
      // ON CONFLICT DO NOTHING, then read: whoever inserted first, every caller returns that value.
      await db
        .insertInto('settings')
        .values({ key, value, created_at: ctx.clock() })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
      return row.value;
    },
  };
}
