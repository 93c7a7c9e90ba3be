/**
 * Threadgate, `GET /v1/me` with an RS256 access token from an identity provider, accepted through
 * an auth rule (`POST /admin/v1/auth-rules` with the bench's local JWKS server as `jwks_uri`). The
 * token: RSA 2048, header `typ: at+jwt` and `kid`, claims `iss`, `aud`, `sub`, `exp`. As with user
 * tokens, the response's exchanged workspace token is ignored and the same token sent again.
 */
import { BENCH_AUDIENCE, claims, signRs256AccessToken } from '../tokens.js';
import { createAuthRule, Unavailable } from '../threadgate-credentials.js';
import { startThreadgate } from './threadgate-process.js';
import type { Setup } from './types.js';

export const tgAuthRule: Setup = {
  name: 'tg-auth-rule',
  group: 'auth',
  title: 'Threadgate GET /v1/me, RS256 provider token (auth rule, local JWKS)',
  compare: { against: 'baseline', kind: 'throughput', target: 0.8 },
  async start(ctx) {
    const { rsa, jwks } = await ctx.identityProvider();
    const tg = await startThreadgate(ctx, 'tg-auth-rule');
    try {
      await createAuthRule(tg.call, { issuer: jwks.issuer, audience: BENCH_AUDIENCE, jwksUri: jwks.jwksUri });
      const token = signRs256AccessToken(rsa, claims({ iss: jwks.issuer, aud: BENCH_AUDIENCE, sub: 'user_0000' }));
      const before = jwks.fetches();
      return {
        url: tg.child.url,
        requests: [{ method: 'GET', path: '/v1/me', headers: { Authorization: `Bearer ${token}` } }],
        expectStatus: 200,
        notes: ['each response carries a newly minted workspace token in Authorization (token exchange); the load keeps sending the provider token'],
        after: () => ({ jwksFetches: jwks.fetches() - before }),
        stop: tg.child.stop,
      };
    } catch (error) {
      await tg.child.stop();
      if (error instanceof Unavailable) return { unavailable: error.message };
      throw error;
    }
  },
};
