/**
 * Authentication keys (SPEC 2.3): the HMAC secrets an app's backend signs HS256 user tokens with.
 * The secret is stored sealed with the master key (crypto/secret-box.ts, purpose `auth-key`), never
 * in clear: unlike an API key it cannot be hashed, because verifying an HMAC needs the secret itself.
 *
 * Deleting a key deletes its row (and so its sealed secret): nothing is kept that could verify a
 * token again.
 */
import type { Kysely } from 'kysely';

/** Creates `auth_keys`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    // JSON text: "all" or an array of agent ids.
    .addColumn('agents', 'text', (col) => col.notNull())
    .addColumn('secret_encrypted', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  // Every user token is looked up by its `kid` (the primary key); listing is by project, newest first.
  await db.schema.createIndex('auth_keys_by_project').on('auth_keys').columns(['project_id', 'created_at', 'id']).execute();
}

/** Drops `auth_keys`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auth_keys').execute();
}
