/**
 * What every peer setup shares: start its server with the HS256 secret or the JWKS URI, and load
 * `GET /v1/me` with one token signed by the bench (HS256 with the shared secret, or RS256 from
 * the local identity provider), reused for every request.
 */
import { BENCH_AUDIENCE, claims, signHs256, signRs256AccessToken } from '../tokens.js';
import type { Setup, SetupContext, Started } from './types.js';

export const PEER_ISSUER_HS256 = 'https://app.bench.invalid';

export function peerSetup(spec: { name: string; server: string; title: string; algorithm: 'HS256' | 'RS256'; env?: Record<string, string> }): Setup {
  return {
    name: spec.name,
    group: 'auth',
    title: spec.title,
    compare: { against: 'baseline', kind: 'throughput' },
    async start(ctx: SetupContext): Promise<Started> {
      if (spec.algorithm === 'HS256') {
        const child = await ctx.startServer(spec.server, {
          BENCH_HS256_SECRET: ctx.hs256Secret,
          BENCH_ISSUER: PEER_ISSUER_HS256,
          BENCH_AUDIENCE,
          ...spec.env,
        });
        const token = signHs256({ typ: 'JWT' }, claims({ iss: PEER_ISSUER_HS256, aud: BENCH_AUDIENCE, sub: 'user_0000' }), ctx.hs256Secret);
        return { url: child.url, requests: [{ method: 'GET', path: '/v1/me', headers: { Authorization: `Bearer ${token}` } }], expectStatus: 200, stop: child.stop };
      }
      const { rsa, jwks } = await ctx.identityProvider();
      const child = await ctx.startServer(spec.server, { BENCH_JWKS_URI: jwks.jwksUri, BENCH_ISSUER: jwks.issuer, BENCH_AUDIENCE, ...spec.env });
      const token = signRs256AccessToken(rsa, claims({ iss: jwks.issuer, aud: BENCH_AUDIENCE, sub: 'user_0000' }));
      const before = jwks.fetches();
      return {
        url: child.url,
        requests: [{ method: 'GET', path: '/v1/me', headers: { Authorization: `Bearer ${token}` } }],
        expectStatus: 200,
        after: () => ({ jwksFetches: jwks.fetches() - before }),
        stop: child.stop,
      };
    },
  };
}
