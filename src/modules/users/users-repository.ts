/**
 * The users module's writes: a user-wide revocation (`tokens_valid_after` in `users`, raised
 * strictly, with the user's sessions in `refresh_families`, in one transaction). The platform keeps
 * the reads a credential check makes (the user's mark: store `getUser`) and the anonymous user's
 * creation (`upsertUser`), which are part of authentication; the revocation is the users module's,
 * and it spans the user's sessions because a refresh rotated while it runs must not outlive it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/database.js';
import { raisedTokensValidAfter } from '../../store/kysely-store-auth.js';

export interface UsersRepository {
  /**
   * Refuses every token of the user issued before `at` (ms): raises `tokensValidAfter` strictly (see
   * UserRecord in store/store.ts) and revokes the user's refresh families, in one transaction.
   * Creates the user row if needed.
   */
  revokeUserTokens(projectId: string, userId: string, at: number): Promise<void>;
}

/**
 * @example
 * const users = createUsersRepository(kyselyOf(store))
 * await users.revokeUserTokens('default', 'alice', Date.now())
 */
export function createUsersRepository(db: Kysely<any>): UsersRepository {
  const typed = db as Kysely<Pick<Database, 'users' | 'refresh_families'>>;
  return Object.freeze({
    async revokeUserTokens(projectId: string, userId: string, at: number) {
      // One transaction: the user's mark and the user's sessions end together.
      await typed.transaction().execute(async (trx) => {
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
  });
}
