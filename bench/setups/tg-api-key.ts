/**
 * Threadgate, `GET /v1/me` with an API key and the `Aui-User-Id` / `Aui-Workspace-Id` headers
 * (a backend acting for a user). `-nocache`: with THREADGATE_TOKEN_CACHE_SIZE=0.
 */
import { createApiKey } from '../threadgate-credentials.js';
import { startThreadgate, stopOnFailure } from './threadgate-process.js';
import type { Setup } from './types.js';

export function tgApiKey(options: { cache: boolean }): Setup {
  const name = options.cache ? 'tg-api-key' : 'tg-api-key-nocache';
  return {
    name,
    group: 'auth',
    title: `Threadgate GET /v1/me, API key + Aui-User-Id/Aui-Workspace-Id${options.cache ? '' : ', credential cache off'}`,
    compare: { against: 'baseline', kind: 'throughput', target: 0.8 },
    ...(options.cache ? {} : { extra: true }),
    async start(ctx) {
      const tg = await startThreadgate(ctx, name, options.cache ? {} : { env: { THREADGATE_TOKEN_CACHE_SIZE: '0' } });
      const { key } = await stopOnFailure(tg, () => createApiKey(tg.call));
      return {
        url: tg.child.url,
        requests: [{ method: 'GET', path: '/v1/me', headers: { Authorization: `Bearer ${key}`, 'Aui-User-Id': 'user_0000', 'Aui-Workspace-Id': 'ws_0000' } }],
        expectStatus: 200,
        stop: tg.child.stop,
      };
    },
  };
}
