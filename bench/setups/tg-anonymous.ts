/** Threadgate, `GET /v1/me` with the access token of an anonymous session (`POST /v1/auth/tokens/anonymous`). */
import { startAnonymousSession } from '../threadgate-credentials.js';
import { startThreadgate, stopOnFailure } from './threadgate-process.js';
import type { Setup } from './types.js';

export const tgAnonymous: Setup = {
  name: 'tg-anonymous',
  group: 'auth',
  title: 'Threadgate GET /v1/me, anonymous session token (ES256)',
  compare: { against: 'baseline', kind: 'throughput', target: 0.8 },
  async start(ctx) {
    const tg = await startThreadgate(ctx, 'tg-anonymous');
    const token = await stopOnFailure(tg, () => startAnonymousSession(tg.call));
    return { url: tg.child.url, requests: [{ method: 'GET', path: '/v1/me', headers: { Authorization: `Bearer ${token}` } }], expectStatus: 200, stop: tg.child.stop };
  },
};
