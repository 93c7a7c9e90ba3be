/**
 * Signing a user token in an app's backend (SPEC 2.3): the counterpart of user-token.ts, for Node
 * backends that would rather not assemble the header and claims themselves. Any JWT library does
 * the same (`jwt.sign({ sub }, secret, { keyid, expiresIn })`); see docs/credentials/auth-keys.md.
 */
import { SignJWT } from 'jose';

/** What `--ttl` and `expiresIn` accept: a whole number with a unit, `s`, `m`, `h` or `d`. */
const DURATION = /^(\d{1,9})([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Longest lifetime `signUserToken` signs, in seconds (one year). */
export const MAX_USER_TOKEN_TTL_SECONDS = 366 * 86_400;

/** Claims `signUserToken` sets itself; `claims` may not override them. */
const RESERVED_CLAIMS = ['sub', 'exp', 'iat'];

export interface SignUserTokenOptions {
  /** The authentication key id (`ak_…`): goes in the `kid` header. */
  keyId: string;
  /** The key's secret (`sk-tg-…`), exactly as shown when the key was created. */
  secret: string;
  /** The user id. */
  sub: string;
  /** The workspace, in the `workspace_id` claim (or `workspaceClaim`). Omitted: the server uses `sub`. */
  workspaceId?: string;
  /** The claim that carries `workspaceId` (THREADGATE_USER_TOKEN_WORKSPACE_CLAIM). Default `workspace_id`. */
  workspaceClaim?: string;
  /** Lifetime: seconds, or a duration like `15m`, `24h`, `7d`. Default one hour. */
  expiresIn?: number | string;
  /** More claims, e.g. `{ scope: 'threads:read' }` to narrow the token. Not `sub`, `exp` or `iat`. */
  claims?: Record<string, unknown>;
  /** Now, in milliseconds since the epoch. Default `Date.now()`. */
  now?: number;
}

/**
 * Parses a lifetime: a number of seconds, or a whole number with `s`, `m`, `h` or `d`. Throws
 * `TypeError` on anything else, zero, or more than a year.
 *
 * @example
 * parseDurationSeconds('24h') // 86400
 * parseDurationSeconds(90)    // 90
 */
export function parseDurationSeconds(value: number | string): number {
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else {
    const match = DURATION.exec(value);
    if (match === null) throw new TypeError(`a duration is a whole number with s, m, h or d (e.g. 24h), got "${value}"`);
    seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  }
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_USER_TOKEN_TTL_SECONDS) {
    throw new TypeError(`a duration must be 1 second to 366 days, got ${String(value)}`);
  }
  return seconds;
}

/**
 * Signs an HS256 user token with an authentication key: header `{ alg: 'HS256', typ: 'JWT', kid }`,
 * claims `sub`, `iat`, `exp`, the workspace claim when given, and `claims`. The HMAC key is the
 * UTF-8 bytes of `secret`. Throws `TypeError` on misuse (a missing id, a reserved claim in `claims`).
 *
 * Does not check that the key exists or that the user may have this workspace: your backend
 * decides who the user is before it signs (Algolia: "always verify user identity on your backend
 * before generating tokens").
 *
 * @example
 * import { signUserToken } from 'threadgate'
 * const token = await signUserToken({
 *   keyId: process.env.THREADGATE_KEY_ID, secret: process.env.THREADGATE_SECRET_KEY,
 *   sub: user.id, workspaceId: `${user.orgId}_${user.id}`, expiresIn: '1h',
 * })
 */
export async function signUserToken(options: SignUserTokenOptions): Promise<string> {
  const { keyId, secret, sub } = options;
  if (typeof keyId !== 'string' || !keyId.startsWith('ak_')) throw new TypeError('signUserToken: keyId must be an authentication key id (ak_…)');
  if (typeof secret !== 'string' || secret === '') throw new TypeError('signUserToken: secret must be the key\'s secret (sk-tg-…)');
  if (typeof sub !== 'string' || sub === '') throw new TypeError('signUserToken: sub must be a non-empty string');
  if (options.workspaceId !== undefined && (typeof options.workspaceId !== 'string' || options.workspaceId === '')) {
    throw new TypeError('signUserToken: workspaceId must be a non-empty string');
  }
  const extra = options.claims ?? {};
  const reserved = RESERVED_CLAIMS.find((claim) => claim in extra);
  if (reserved !== undefined) throw new TypeError(`signUserToken: set "${reserved}" through its own option, not claims`);
  const ttlSeconds = parseDurationSeconds(options.expiresIn ?? 3600);
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const payload: Record<string, unknown> = {
    ...extra,
    sub,
    ...(options.workspaceId !== undefined ? { [options.workspaceClaim ?? 'workspace_id']: options.workspaceId } : {}),
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keyId })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
