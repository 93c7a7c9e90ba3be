/**
 * Service auth rules (docs/credentials/auth-rules.md#service-rules): a rule marked `service`
 * accepts a backend's own token (client credentials) acting for the user named in
 * `Aui-User-Id` / `Aui-Workspace-Id`, never as a user itself. 0 for every existing rule.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_rules').addColumn('service', 'integer', (col) => col.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_rules').dropColumn('service').execute();
}
