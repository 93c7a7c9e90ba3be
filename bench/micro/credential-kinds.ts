/**
 * One in-process Threadgate (createServices over a temp SQLite file) and one credential of each
 * kind for the verifier micro-benchmark, provisioned through the app's own routes
 * (`app.request`), plus a way to make any number of never-seen credentials of the same kind for
 * cache misses. Kinds whose admin routes do not exist yet come back as unavailable.
 */
import { decodeJwt } from 'jose';
import type { AuthenticateInput } from '../../src/auth/authenticate.js';
import { mintWorkspaceToken as mintInProcess } from '../threadgate-dist.js';
import type { Services } from '../../src/server.js';
import type { JwksServer } from '../jwks-server.js';
import { createApiKey, createAuthKey, createAuthRule, mintWorkspaceToken, startAnonymousSession, Unavailable, type Call } from '../threadgate-credentials.js';
import { BENCH_AUDIENCE, claims, signHs256, signRs256AccessToken, type RsaIdentityProvider } from '../tokens.js';
import type { FloorName } from './crypto-floor.js';

export interface CredentialKind {
  kind: 'workspace_token' | 'api_key' | 'anonymous' | 'user_token' | 'auth_rule';
  /** The crypto this path cannot avoid, as a floor to compare a cache miss with. */
  floor: FloorName;
  /** The same credential every time (steady state). */
  input: AuthenticateInput;
  /** `n` credentials of this kind never seen before. */
  fresh(n: number): Promise<AuthenticateInput[]>;
}

export type KindOrUnavailable = CredentialKind | { kind: CredentialKind['kind']; unavailable: string };

const bearer = (token: string): AuthenticateInput => ({ authorization: `Bearer ${token}`, userIdHeader: undefined, workspaceIdHeader: undefined });

let serial = 0;

export async function provisionKinds(services: Services, call: Call, idp: { rsa: RsaIdentityProvider; jwks: JwksServer }): Promise<KindOrUnavailable[]> {
  const { deps } = services;
  const apiKey = await createApiKey(call);
  const workspaceToken = await mintWorkspaceToken(call, apiKey.key, 'user_0000', 'ws_0000');
  const anonymousToken = await startAnonymousSession(call);
  const anon = decodeJwt(anonymousToken) as { sub: string; workspace_id: string; cid: string };

  const mint = (n: number, input: { userId: string; workspaceId: string; anonymous: boolean; source: 'api_key' | 'anonymous'; id: string }) =>
    Promise.all(
      Array.from({ length: n }, async () =>
        bearer(
          (
            await mintInProcess(deps.keyring, deps.config, {
              projectId: deps.config.projectId,
              userId: input.userId,
              workspaceId: input.workspaceId,
              scopes: ['threads:read', 'threads:write'] as never,
              agents: 'all',
              anonymous: input.anonymous,
              credential: { source: input.source, id: input.id },
            })
          ).token,
        ),
      ),
    );

  const kinds: KindOrUnavailable[] = [
    {
      kind: 'workspace_token',
      floor: 'ecdsa-p256-verify',
      input: bearer(workspaceToken),
      fresh: (n) => mint(n, { userId: 'user_0000', workspaceId: 'ws_0000', anonymous: false, source: 'api_key', id: apiKey.id }),
    },
    {
      kind: 'api_key',
      floor: 'sha256-api-key',
      input: { authorization: `Bearer ${apiKey.key}`, userIdHeader: 'user_0000', workspaceIdHeader: 'ws_0000' },
      // The principal depends on the identity headers, so a new user id is a new cache entry.
      fresh: async (n) => Array.from({ length: n }, () => ({ authorization: `Bearer ${apiKey.key}`, userIdHeader: `user_m${serial++}`, workspaceIdHeader: 'ws_0000' })),
    },
    {
      kind: 'anonymous',
      floor: 'ecdsa-p256-verify',
      input: bearer(anonymousToken),
      fresh: (n) => mint(n, { userId: anon.sub, workspaceId: anon.workspace_id, anonymous: true, source: 'anonymous', id: anon.cid }),
    },
  ];

  try {
    const key = await createAuthKey(call);
    const sign = () => signHs256({ typ: 'JWT', kid: key.id }, claims({ sub: 'user_0000', jti: `j${serial++}` }), key.secret);
    kinds.push({ kind: 'user_token', floor: 'hmac-sha256', input: bearer(sign()), fresh: async (n) => Array.from({ length: n }, () => bearer(sign())) });
  } catch (error) {
    if (!(error instanceof Unavailable)) throw error;
    kinds.push({ kind: 'user_token', unavailable: error.message });
  }

  try {
    await createAuthRule(call, { issuer: idp.jwks.issuer, audience: BENCH_AUDIENCE, jwksUri: idp.jwks.jwksUri });
    const sign = () => signRs256AccessToken(idp.rsa, claims({ iss: idp.jwks.issuer, aud: BENCH_AUDIENCE, sub: 'user_0000', jti: `j${serial++}` }));
    kinds.push({ kind: 'auth_rule', floor: 'rsa2048-verify', input: bearer(sign()), fresh: async (n) => Array.from({ length: n }, () => bearer(sign())) });
  } catch (error) {
    if (!(error instanceof Unavailable)) throw error;
    kinds.push({ kind: 'auth_rule', unavailable: error.message });
  }
  return kinds;
}
