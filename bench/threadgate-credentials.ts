/**
 * Provisions Threadgate credentials through its own HTTP API, the way an app would: an API key
 * (admin API), a workspace token minted with it (`POST /v1/auth/tokens`), an anonymous session
 * (`POST /v1/auth/tokens/anonymous`), an authentication key (`POST /admin/v1/auth-keys`) and an
 * auth rule (`POST /admin/v1/auth-rules`). The last two answer 404 until those features land; the
 * callers then report the setup as not available yet.
 *
 * `call` is `fetch` against a running server, or `app.request` in-process (verify-micro.ts).
 */
export type Call = (path: string, init?: RequestInit) => Promise<Response>;

export const BENCH_ADMIN_KEY = 'tg_admin_bench_key_0123456789abcdefghijklmnop';
export const BENCH_MASTER_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** The environment every Threadgate the bench starts gets (plus DATABASE_URL). */
export const THREADGATE_BENCH_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  THREADGATE_ADMIN_KEY: BENCH_ADMIN_KEY,
  THREADGATE_MASTER_KEY: BENCH_MASTER_KEY,
  THREADGATE_ANONYMOUS: 'true',
  THREADGATE_ANONYMOUS_MINTS_PER_MINUTE: '1000000',
  // Longer than any run, so no token expires mid-measurement (the default is 300 s).
  THREADGATE_WORKSPACE_TOKEN_TTL_SECONDS: '3600',
});

export class Unavailable extends Error {}

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const admin = { Authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'Content-Type': 'application/json' };

export async function createApiKey(call: Call): Promise<{ id: string; key: string }> {
  const body = await json(await call('/admin/v1/api-keys', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench' }) }), 'POST /admin/v1/api-keys');
  return { id: String(body.id), key: String(body.key) };
}

export async function mintWorkspaceToken(call: Call, apiKey: string, userId: string, workspaceId: string): Promise<string> {
  const res = await call('/v1/auth/tokens', {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Aui-User-Id': userId, 'Aui-Workspace-Id': workspaceId },
  });
  return String((await json(res, 'POST /v1/auth/tokens')).token);
}

export async function startAnonymousSession(call: Call): Promise<string> {
  return String((await json(await call('/v1/auth/tokens/anonymous', { method: 'POST' }), 'POST /v1/auth/tokens/anonymous')).access_token);
}

/** `{ id, secret }` of a new authentication key, or throws `Unavailable` on 404. */
export async function createAuthKey(call: Call): Promise<{ id: string; secret: string }> {
  const res = await call('/admin/v1/auth-keys', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench', agents: 'all' }) });
  if (res.status === 404) throw new Unavailable('not available yet (POST /admin/v1/auth-keys answers 404)');
  const body = await json(res, 'POST /admin/v1/auth-keys');
  if (typeof body.id !== 'string' || typeof body.secret !== 'string') throw new Error(`POST /admin/v1/auth-keys: no id and secret in ${JSON.stringify(Object.keys(body))}`);
  return { id: body.id, secret: body.secret };
}

/** Creates an auth rule trusting the bench's identity provider, or throws `Unavailable` on 404. */
export async function createAuthRule(call: Call, rule: { issuer: string; audience: string; jwksUri: string }): Promise<void> {
  const res = await call('/admin/v1/auth-rules', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'bench', issuer: rule.issuer, audience: rule.audience, jwks_uri: rule.jwksUri, token_type: 'access' }),
  });
  if (res.status === 404) throw new Unavailable('not available yet (POST /admin/v1/auth-rules answers 404)');
  await json(res, 'POST /admin/v1/auth-rules');
}
