/**
 * The migrations, listed in code rather than read from a folder (a static `MigrationProvider`):
 * the bundle and `dist/` carry them with no file-system lookup, and the list is the order.
 *
 * Names sort in the order they must run (Kysely sorts by name); never rename or edit one that has
 * shipped, add the next number instead: one more than the highest in every migrations folder, the
 * platform's and each module's (docs/data-model.md "Migrations";
 * test/store/migrations/migration-names.test.ts fails on a shared number).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './001-initial.js';
import * as authKeys from '../../modules/credentials-admin/migrations/002-auth-keys.js';
import * as authRules from '../../modules/credentials-admin/migrations/003-auth-rules.js';
import * as runLeases from '../../modules/threads/migrations/004-run-leases.js';
import * as memories from '../../modules/memory/migrations/007-memories.js';
import * as agents from '../../modules/agents/migrations/008-agents.js';
import * as audit from '../../modules/audit/migrations/009-audit.js';
import * as serviceAuthRules from '../../modules/credentials-admin/migrations/010-service-auth-rules.js';
import * as authKeyUserFields from '../../modules/credentials-admin/migrations/011-auth-key-user-fields.js';
import * as memoryOwnerTerms from '../../modules/memory/migrations/012-memory-owner-terms.js';

/** Every migration, by name, in order. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '001-initial': initial,
  '002-auth-keys': authKeys,
  '003-auth-rules': authRules,
  // Modules' migrations sit in their module's migrations/ folder and keep the one global order by
  // their numbers (a shipped name never changes: databases have applied them under these names).
  '004-run-leases': runLeases,
  '007-memories': memories,
  '008-agents': agents,
  '009-audit': audit,
  '010-service-auth-rules': serviceAuthRules,
  '011-auth-key-user-fields': authKeyUserFields,
  '012-memory-owner-terms': memoryOwnerTerms,
});

const provider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS };
  },
};

export interface MigrateOptions {
  /**
   * Schema of Kysely's own bookkeeping tables (PostgreSQL only). Kysely looks for an existing
   * `kysely_migration` table in *every* schema unless it is told which one, so a second Threadgate
   * (or any Kysely app) in another schema of the same database would make it skip our migrations.
   */
  migrationTableSchema?: string;
}

/**
 * Runs every pending migration, or throws the first failure.
 *
 * Concurrency is the dialect's job: Kysely's PostgreSQL adapter holds an advisory lock for the run,
 * and our SQLite dialect (sqlite/sqlite-dialect.ts) runs it in a `BEGIN IMMEDIATE` transaction, so
 * two processes starting at once run each migration exactly once.
 *
 * @example
 * await migrateToLatest(db)
 */
export async function migrateToLatest(db: Kysely<any>, options: MigrateOptions = {}): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    ...(options.migrationTableSchema !== undefined ? { migrationTableSchema: options.migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '(setup)'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
