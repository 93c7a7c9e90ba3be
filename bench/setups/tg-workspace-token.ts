/**
 * Threadgate, `GET /v1/me` with its own workspace token (ES256), minted once with an API key
 * through `POST /v1/auth/tokens` and reused for every request. `-nocache`: the same with
 * THREADGATE_TOKEN_CACHE_SIZE=0, every request verified in full.
 */
import { createApiKey, mintWorkspaceToken } from '../threadgate-credentials.js';
import { startThreadgate, stopOnFailure } from './threadgate-process.js';
import type { Setup } from './types.js';

export function tgWorkspaceToken(options: { cache: boolean }): Setup {
  const name = options.cache ? 'tg-workspace-token' : 'tg-workspace-token-nocache';
  return {
    name,
    group: 'auth',
    title: `Threadgate GET /v1/me, workspace token (ES256)${options.cache ? '' : ', credential cache off'}`,
    compare: { against: 'baseline', kind: 'throughput', target: 0.8 },
    ...(options.cache ? {} : { extra: true }),
    async start(ctx) {
      const tg = await startThreadgate(ctx, name, options.cache ? {} : { env: { THREADGATE_TOKEN_CACHE_SIZE: '0' } });
      const token = await stopOnFailure(tg, async () => mintWorkspaceToken(tg.call, (await createApiKey(tg.call)).key, 'user_0000', 'ws_0000'));
      return { url: tg.child.url, requests: [{ method: 'GET', path: '/v1/me', headers: { Authorization: `Bearer ${token}` } }], expectStatus: 200, stop: tg.child.stop };
    },
  };
}
