/**
 * Auth rules (migration 003): insert, get, list, update, delete, and the lookup every
 * identity-provider token makes, by exact issuer. Read on every request (no cache here), so a
 * deleted or disabled rule stops matching on the very next one, in every process.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { readJson, writeFlag, writeJson } from '../../store/rows.js';
import type { Json } from '../../store/store.js';
import type { AuthRulePatch, AuthRuleRecord } from '../../auth/credential-records.js';
import type { AuthRulesTable, CredentialsDatabase } from './credentials-tables.js';

export interface AuthRulesRepository {
  insertAuthRule(record: AuthRuleRecord): Promise<void>;
  /** The rule with this id, within `projectId` when given. */
  getAuthRule(projectId: string | undefined, id: string): Promise<AuthRuleRecord | undefined>;
  /** Oldest first (the order rules with the same issuer are tried in). */
  listAuthRules(projectId: string): Promise<AuthRuleRecord[]>;
  /** Applies the patch and sets `updatedAt` to the repository's clock. Undefined when there is no such rule. */
  updateAuthRule(projectId: string, id: string, patch: AuthRulePatch): Promise<AuthRuleRecord | undefined>;
  /** False when there is no such rule in the project. */
  deleteAuthRule(projectId: string, id: string): Promise<boolean>;
  /**
   * The *enabled* rules whose issuer is exactly `issuer` (case-sensitive), within `projectId` when
   * given, oldest first. The verifier passes `undefined`: the rule names the project.
   */
  findAuthRulesByIssuer(projectId: string | undefined, issuer: string): Promise<AuthRuleRecord[]>;
}

/** An `auth_rules` row as an `AuthRuleRecord`. */
export function toAuthRule(row: Selectable<AuthRulesTable>): AuthRuleRecord {
  const algorithms = readJson(row.algorithms);
  const required = readJson(row.required_claims);
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    provider: row.provider,
    issuer: row.issuer,
    audience: row.audience,
    jwksUri: row.jwks_uri,
    discoveryUrl: row.discovery_url,
    algorithms: Array.isArray(algorithms) ? algorithms.map(String) : [],
    tokenType: row.token_type,
    userIdClaim: row.user_id_claim,
    workspaceTemplate: row.workspace_template,
    requiredClaims: required !== null && typeof required === 'object' && !Array.isArray(required) ? (required as Record<string, Json>) : {},
    scopesClaim: row.scopes_claim,
    // Absent when the rule maps no user fields (records made before mapUser compare equal).
    ...(row.user_fields === null || row.user_fields === undefined ? {} : { userFields: JSON.parse(row.user_fields) as Record<string, string> }),
    enabled: Number(row.enabled) === 1,
    service: Number(row.service) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The mutable columns of a rule, from record fields (only those present). */
function toColumns(patch: Partial<AuthRuleRecord>): Updateable<AuthRulesTable> {
  const columns: Updateable<AuthRulesTable> = {};
  if (patch.name !== undefined) columns.name = patch.name;
  if (patch.provider !== undefined) columns.provider = patch.provider;
  if (patch.issuer !== undefined) columns.issuer = patch.issuer;
  if (patch.audience !== undefined) columns.audience = patch.audience;
  if (patch.jwksUri !== undefined) columns.jwks_uri = patch.jwksUri;
  if (patch.discoveryUrl !== undefined) columns.discovery_url = patch.discoveryUrl;
  if (patch.algorithms !== undefined) columns.algorithms = writeJson(patch.algorithms);
  if (patch.tokenType !== undefined) columns.token_type = patch.tokenType;
  if (patch.userIdClaim !== undefined) columns.user_id_claim = patch.userIdClaim;
  if (patch.workspaceTemplate !== undefined) columns.workspace_template = patch.workspaceTemplate;
  if (patch.requiredClaims !== undefined) columns.required_claims = writeJson(patch.requiredClaims);
  if (patch.scopesClaim !== undefined) columns.scopes_claim = patch.scopesClaim;
  if (patch.userFields !== undefined) columns.user_fields = patch.userFields === null ? null : writeJson(patch.userFields);
  if (patch.enabled !== undefined) columns.enabled = writeFlag(patch.enabled);
  if (patch.service !== undefined) columns.service = writeFlag(patch.service);
  return columns;
}

/** The auth-rule methods over `db`; `clock` stamps `updatedAt` on an update. */
export function createAuthRulesRepository(db: Kysely<CredentialsDatabase>, clock: () => number): AuthRulesRepository {
  return {
    async insertAuthRule(record) {
      await db
        .insertInto('auth_rules')
        .values({
          id: record.id,
          project_id: record.projectId,
          name: record.name,
          provider: record.provider,
          issuer: record.issuer,
          audience: record.audience,
          jwks_uri: record.jwksUri,
          discovery_url: record.discoveryUrl,
          algorithms: writeJson(record.algorithms),
          token_type: record.tokenType,
          user_id_claim: record.userIdClaim,
          workspace_template: record.workspaceTemplate,
          required_claims: writeJson(record.requiredClaims),
          scopes_claim: record.scopesClaim,
          user_fields: record.userFields === null || record.userFields === undefined ? null : writeJson(record.userFields),
          enabled: writeFlag(record.enabled),
          service: writeFlag(record.service),
          created_at: record.createdAt,
          updated_at: record.updatedAt,
        })
        .execute();
    },

    async getAuthRule(projectId, id) {
      let query = db.selectFrom('auth_rules').selectAll().where('id', '=', id);
      if (projectId !== undefined) query = query.where('project_id', '=', projectId);
      const row = await query.executeTakeFirst();
      return row === undefined ? undefined : toAuthRule(row);
    },

    async listAuthRules(projectId) {
      const rows = await db
        .selectFrom('auth_rules')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toAuthRule);
    },

    async updateAuthRule(projectId, id, patch) {
      const columns = { ...toColumns(patch), updated_at: clock() };
      const updated = await db
        .updateTable('auth_rules')
        .set(columns)
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) return undefined;
      const row = await db.selectFrom('auth_rules').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toAuthRule(row);
    },

    async deleteAuthRule(projectId, id) {
      const deleted = await db.deleteFrom('auth_rules').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return deleted.numDeletedRows > 0n;
    },

    async findAuthRulesByIssuer(projectId, issuer) {
      let query = db.selectFrom('auth_rules').selectAll().where('issuer', '=', issuer).where('enabled', '=', 1);
      if (projectId !== undefined) query = query.where('project_id', '=', projectId);
      const rows = await query.orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map(toAuthRule);
    },
  };
}
