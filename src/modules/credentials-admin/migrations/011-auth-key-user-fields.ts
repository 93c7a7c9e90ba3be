/**
 * SPEC 3's mapUser per authentication key (docs/credentials/auth-keys.md#user-fields): which
 * claims of the user tokens a key signs become the caller's user fields (`{user.name}` in an
 * agent's instructions), as `auth_rules.user_fields` does per auth rule (migration 008). JSON text
 * `{ "<field>": "<claim>" }`, or null (none) for every existing key.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_keys').addColumn('user_fields', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_keys').dropColumn('user_fields').execute();
}
