/**
 * Threadgate, `GET /v1/me` with an HS256 user token signed by the app with an authentication key
 * (`POST /admin/v1/auth-keys` → `{ id, secret }`; header `kid` = id; `sub`, `exp`; key = the UTF-8
 * bytes of the secret). The response carries a workspace token in `Authorization` (token
 * exchange); like a client that ignores it, the load keeps sending the same user token.
 */
import { claims, signHs256 } from '../tokens.js';
import { createAuthKey, Unavailable } from '../threadgate-credentials.js';
import { startThreadgate } from './threadgate-process.js';
import type { Setup } from './types.js';

export const tgUserToken: Setup = {
  name: 'tg-user-token',
  group: 'auth',
  title: 'Threadgate GET /v1/me, HS256 user token (authentication key)',
  compare: { against: 'baseline', kind: 'throughput', target: 0.8 },
  async start(ctx) {
    const tg = await startThreadgate(ctx, 'tg-user-token');
    try {
      const key = await createAuthKey(tg.call);
      const token = signHs256({ typ: 'JWT', kid: key.id }, claims({ sub: 'user_0000' }), key.secret);
      return {
        url: tg.child.url,
        requests: [{ method: 'GET', path: '/v1/me', headers: { Authorization: `Bearer ${token}` } }],
        expectStatus: 200,
        notes: ['each response carries a newly minted workspace token in Authorization (token exchange); the load keeps sending the user token'],
        stop: tg.child.stop,
      };
    } catch (error) {
      await tg.child.stop();
      if (error instanceof Unavailable) return { unavailable: error.message };
      throw error;
    }
  },
};
