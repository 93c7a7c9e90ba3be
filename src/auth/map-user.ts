/**
 * SPEC 3's mapUser on the server: an auth rule names which claims of its tokens become the
 * principal's user fields (`user_fields: { "name": "name", "email": "email", "org": "org_id" }`),
 * which agents' instructions read as `{user.name}`, `{user.email}`... A workspace token exchanged
 * for such a token carries the fields in its `usr` claim, so they survive the exchange.
 *
 * Only strings, numbers and booleans are copied; a string is cut at MAX_USER_FIELD_LENGTH.
 */
import { ClaimMismatch, ValidationFailed } from '../errors.js';

export type UserFields = Readonly<Record<string, string | number | boolean>>;

export const MAX_USER_FIELDS = 16;
export const MAX_USER_FIELD_LENGTH = 512;
const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const CLAIM_NAME = /^[\x21-\x7e]{1,256}$/;

/** Validates an auth rule's `user_fields` (field name → claim name); null: none. */
export function checkUserFieldMapping(value: unknown): Record<string, string> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationFailed('user_fields', 'must be an object of field name → claim name');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_USER_FIELDS) throw new ValidationFailed('user_fields', `at most ${MAX_USER_FIELDS} fields`);
  for (const [field, claim] of entries) {
    if (!FIELD_NAME.test(field)) throw new ValidationFailed(`user_fields.${field.slice(0, 64)}`, 'a field name is 1 to 64 letters, digits, "_" or "-"');
    if (field === 'id' || field === 'workspace') throw new ValidationFailed(`user_fields.${field}`, '"id" and "workspace" are always the user id and the workspace');
    if (typeof claim !== 'string' || !CLAIM_NAME.test(claim)) throw new ValidationFailed(`user_fields.${field}`, 'must name a claim (printable ASCII, no spaces)');
  }
  return entries.length === 0 ? null : Object.fromEntries(entries) as Record<string, string>;
}

function userValue(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'string') return Array.from(value).slice(0, MAX_USER_FIELD_LENGTH).join('');
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return value;
  return undefined;
}

/**
 * @example
 * mapUser({ name: 'name' }, { sub: 'u1', name: 'Ada' }) // { name: 'Ada' }
 */
export function mapUser(mapping: Readonly<Record<string, string>> | null, claims: Readonly<Record<string, unknown>>): UserFields {
  if (mapping === null) return EMPTY;
  const user: Record<string, string | number | boolean> = {};
  for (const [field, claim] of Object.entries(mapping)) {
    const value = userValue(Object.hasOwn(claims, claim) ? claims[claim] : undefined);
    if (value !== undefined) user[field] = value;
  }
  return Object.freeze(user);
}

const EMPTY: UserFields = Object.freeze({});

/** The `usr` claim of a workspace token, checked (ClaimMismatch('usr') when malformed). */
export function readUserClaim(value: unknown): UserFields {
  if (value === undefined) return EMPTY;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ClaimMismatch('usr');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_USER_FIELDS) throw new ClaimMismatch('usr');
  for (const [field, fieldValue] of entries) {
    if (!FIELD_NAME.test(field) || userValue(fieldValue) !== fieldValue) throw new ClaimMismatch('usr');
  }
  return Object.freeze(Object.fromEntries(entries)) as UserFields;
}
