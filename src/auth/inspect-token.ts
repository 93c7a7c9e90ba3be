/**
 * Explains, step by step, why a credential is accepted or refused against the live configuration
 * (`POST /admin/v1/tokens/inspect`, `threadgate token inspect`). It runs the real authenticator
 * under a trace (trace.ts), so the explanation is the verification itself, not a second copy of it.
 *
 * The report shows the decoded JOSE header and claims of a JWT (the caller holds the token, so
 * they are not secrets), the credential path chosen, each check with pass or fail, and the
 * principal or the error code. It never contains the token, an API key, or any key material.
 */
import { ThreadgateError } from '../errors.js';
import type { Authenticator } from './authenticate.js';
import type { Principal } from './principal.js';
import { parseStrictJsonObject } from './strict-json.js';
import { withTrace, type TraceStep } from './trace.js';
import { isoTimestamp } from '../http/iso-time.js';

export interface InspectReport {
  accepted: boolean;
  /** The JOSE header, when the credential is a readable JWT. */
  header: Record<string, unknown> | null;
  /** The claims, unverified, when the credential is a readable JWT. */
  claims: Record<string, unknown> | null;
  steps: TraceStep[];
  principal: ReturnType<typeof describePrincipal> | null;
  error: { code: string; message: string; claim?: string } | null;
}

function decodePart(part: string | undefined): Record<string, unknown> | null {
  if (part === undefined || !/^[A-Za-z0-9_-]+$/.test(part)) return null;
  try {
    return parseStrictJsonObject(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

export function describePrincipal(principal: Principal) {
  return {
    user_id: principal.userId,
    workspace_id: principal.workspaceId,
    project_id: principal.projectId,
    source: principal.source,
    credential_id: principal.credentialId,
    scopes: [...principal.scopes],
    agents: principal.agents === 'all' ? ('all' as const) : [...principal.agents],
    anonymous: principal.anonymous,
    // `GET /v1/me` describes the principal on every request: isoTimestamp writes what toISOString
    // writes, without going through the runtime (http/iso-time.ts).
    expires_at: principal.expiresAt === undefined ? null : isoTimestamp(principal.expiresAt * 1000),
  };
}

/**
 * @example
 * const report = await inspectToken(authenticator, token)
 * report.steps // [{ check: 'well-formed', ok: true }, { check: 'credential path', ok: true, detail: 'workspace_token' }, ...]
 */
export async function inspectToken(
  authenticator: Authenticator,
  credential: string,
  headers: { userId?: string; workspaceId?: string } = {},
): Promise<InspectReport> {
  const parts = credential.split('.');
  const isJwt = parts.length === 3;
  const { steps, result } = await withTrace(async () =>
    authenticator.authenticate({
      authorization: `Bearer ${credential}`,
      userIdHeader: headers.userId,
      workspaceIdHeader: headers.workspaceId,
    }),
  );
  const report: InspectReport = {
    accepted: false,
    header: isJwt ? decodePart(parts[0]) : null,
    claims: isJwt ? decodePart(parts[1]) : null,
    steps,
    principal: null,
    error: null,
  };
  if (result.ok) {
    if (result.value === undefined) {
      report.error = { code: 'authentication_required', message: 'No credential was given.' };
      return report;
    }
    report.accepted = true;
    report.principal = describePrincipal(result.value);
    return report;
  }
  const error = result.error;
  if (!(error instanceof ThreadgateError)) throw error;
  report.error = { code: error.code, message: error.message, ...(typeof error.fields.claim === 'string' ? { claim: error.fields.claim } : {}) };
  // The failing check, when the code that failed did not record it itself.
  if (steps.length === 0 || steps.at(-1)!.ok) steps.push({ check: error.code, ok: false, detail: error.message });
  return report;
}
