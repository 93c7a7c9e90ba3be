/**
 * Workspace templates: how an auth rule builds the workspace id from a token's claims, e.g.
 * `{org_id}_{sub}` for a history per user within an organization (the assistant-ui model:
 * `orgId ? `${orgId}_${userId}` : userId`). Text outside braces is kept as is; each `{claim}` is
 * replaced by that claim, which must be a non-empty string of printable ASCII.
 *
 * The pieces are joined without escaping, so that workspace ids are the same as an app's backend
 * would build them. Choose claims the provider sets (ids), not ones users can edit, and a separator
 * that cannot occur inside them; otherwise two different pairs could build the same id.
 */
import { ClaimMismatch } from '../../errors.js';

/** Longest workspace id (the limit of `Aui-Workspace-Id`). */
export const MAX_WORKSPACE_ID_LENGTH = 255;

export type TemplatePart = { literal: string } | { claim: string };

export interface WorkspaceTemplate {
  text: string;
  parts: readonly TemplatePart[];
  /** The claims it reads, in order. */
  claims: readonly string[];
}

const PRINTABLE = /^[\x21-\x7e]+$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Parses a template. Throws `TypeError` with a message for the admin when it is not one: empty,
 * longer than 512 characters, no placeholder, an empty or non-printable claim name, a stray brace,
 * or text outside placeholders that is not printable ASCII.
 *
 * @example
 * parseWorkspaceTemplate('{org_id}_{sub}').claims // ['org_id', 'sub']
 */
export function parseWorkspaceTemplate(text: string): WorkspaceTemplate {
  if (typeof text !== 'string' || text.length === 0 || text.length > 512) throw new TypeError('must be 1 to 512 characters');
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ literal: text.slice(last, match.index) });
    const claim = match[1]!;
    if (claim === '' || claim.length > 256 || !PRINTABLE.test(claim)) throw new TypeError(`"{${claim}}" does not name a claim`);
    parts.push({ claim });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  for (const part of parts) {
    if ('literal' in part && (!PRINTABLE.test(part.literal) || /[{}]/.test(part.literal))) {
      throw new TypeError('text outside {claim} placeholders must be printable ASCII without braces or spaces');
    }
  }
  const claims = parts.flatMap((part) => ('claim' in part ? [part.claim] : []));
  if (claims.length === 0) throw new TypeError('must contain at least one {claim} placeholder (a constant would put every user in one workspace)');
  return { text, parts, claims };
}

/**
 * Builds the workspace id from verified claims. Throws `ClaimMismatch` naming the first claim
 * that is missing, not a non-empty string, or not printable ASCII, or the last one when the result
 * is longer than 255 characters.
 *
 * @example
 * renderWorkspaceTemplate(parseWorkspaceTemplate('{org_id}_{sub}'), { org_id: 'org_1', sub: 'user_2' }) // 'org_1_user_2'
 */
export function renderWorkspaceTemplate(template: WorkspaceTemplate, claims: Record<string, unknown>): string {
  let out = '';
  for (const part of template.parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const value = Object.hasOwn(claims, part.claim) ? claims[part.claim] : undefined;
    if (typeof value !== 'string' || value === '') {
      throw new ClaimMismatch(part.claim, { message: `The "${part.claim}" claim is missing or not a non-empty string; the workspace template needs it.` });
    }
    if (!PRINTABLE.test(value)) throw new ClaimMismatch(part.claim, { message: `The "${part.claim}" claim must be printable ASCII to build the workspace.` });
    out += value;
  }
  if (out.length > MAX_WORKSPACE_ID_LENGTH) {
    const lastClaim = template.claims[template.claims.length - 1]!;
    throw new ClaimMismatch(lastClaim, { message: `The workspace built from the template is longer than ${MAX_WORKSPACE_ID_LENGTH} characters.` });
  }
  return out;
}
