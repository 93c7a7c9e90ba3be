/**
 * Auth rules (SPEC 2.4): how tokens from an identity provider (Clerk, Auth0, Keycloak, any OIDC
 * provider) are accepted. A rule names the issuer, where its keys are (a JWKS URL, or OIDC discovery),
 * the audience, the algorithms, the token type it wants, and how claims map to user and workspace.
 *
 * Nothing secret is stored: a provider's keys are public, fetched at run time and cached in memory.
 */
import type { Kysely } from 'kysely';

/** Creates `auth_rules`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_rules')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    // A preset id (auth/oidc/presets.ts), or null for a plain OIDC rule.
    .addColumn('provider', 'text')
    .addColumn('issuer', 'text', (col) => col.notNull())
    .addColumn('audience', 'text', (col) => col.notNull())
    // Exactly one of the two is set.
    .addColumn('jwks_uri', 'text')
    .addColumn('discovery_url', 'text')
    // JSON text: a list of JWS algorithm names, e.g. ["RS256"].
    .addColumn('algorithms', 'text', (col) => col.notNull())
    // access | id | any
    .addColumn('token_type', 'text', (col) => col.notNull())
    .addColumn('user_id_claim', 'text', (col) => col.notNull())
    .addColumn('workspace_template', 'text')
    // JSON text: an object, claim name → required value.
    .addColumn('required_claims', 'text', (col) => col.notNull())
    .addColumn('scopes_claim', 'text')
    .addColumn('enabled', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  // Every identity-provider token is matched to its rules by its exact `iss`.
  await db.schema.createIndex('auth_rules_by_issuer').on('auth_rules').columns(['issuer']).execute();
  await db.schema.createIndex('auth_rules_by_project').on('auth_rules').columns(['project_id', 'created_at', 'id']).execute();
}

/** Drops `auth_rules`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auth_rules').execute();
}
