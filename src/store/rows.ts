/**
 * Rows → records. The only place that knows how a value is stored: JSON as text, flags as 0/1.
 * Times are already numbers on both dialects (postgres/postgres-store.ts parses int8), but each
 * goes through `Number()` anyway so a driver returning a string could not leak one upward.
 */
import type { Selectable } from 'kysely';
import type {
  Flag,
  RefreshFamiliesTable,
  RefreshTokensTable,
  SigningKeysTable,
  UsersTable,
} from './database.js';
import type {
  Json,
  RefreshFamily,
  RefreshTokenRecord,
  SigningKeyRecord,
  UserRecord,
} from './store.js';

/** Serializes a JSON field for a text column. */
export function writeJson(value: Json): string {
  // JSON.stringify(undefined) is undefined, which a NOT NULL column would refuse with a vague error.
  return JSON.stringify(value ?? null);
}

/** Parses a JSON text column written by `writeJson`. */
export function readJson(text: string): Json {
  return JSON.parse(text) as Json;
}

/** A boolean as the 0/1 both databases store. */
export const writeFlag = (value: boolean): Flag => (value ? 1 : 0);
export const readFlag = (value: number): boolean => Number(value) === 1;
export const readTime = (value: number): number => Number(value);
export const readOptionalTime = (value: number | null): number | null => (value === null ? null : Number(value));

/** A `signing_keys` row as a `SigningKeyRecord`. */
export function toSigningKey(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: row.public_jwk,
    privateJwkEncrypted: row.private_jwk_encrypted,
    createdAt: readTime(row.created_at),
    retiredAt: readOptionalTime(row.retired_at),
    publishUntil: readOptionalTime(row.publish_until),
  };
}

/** A `users` row as a `UserRecord`. */
export function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    projectId: row.project_id,
    id: row.id,
    anonymous: readFlag(row.anonymous),
    createdAt: readTime(row.created_at),
    tokensValidAfter: readOptionalTime(row.tokens_valid_after),
  };
}

/** A `refresh_families` row as a `RefreshFamily`. */
export function toRefreshFamily(row: Selectable<RefreshFamiliesTable>): RefreshFamily {
  return {
    id: row.id,
    projectId: row.project_id,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    createdAt: readTime(row.created_at),
    revokedAt: readOptionalTime(row.revoked_at),
  };
}

/** A `refresh_tokens` row as a `RefreshTokenRecord`. */
export function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    familyId: row.family_id,
    projectId: row.project_id,
    tokenHash: row.token_hash,
    createdAt: readTime(row.created_at),
    expiresAt: readTime(row.expires_at),
    consumedAt: readOptionalTime(row.consumed_at),
    successorEncrypted: row.successor_encrypted,
  };
}
