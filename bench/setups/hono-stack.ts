/**
 * Extras (run them with `--only hono-stack*`): the baseline with Threadgate's global middleware
 * added, one at a time and together, to separate the cost of the HTTP stack from the cost of
 * authentication.
 */
import type { Setup } from './types.js';

function honoStack(name: string, title: string, env: Record<string, string>): Setup {
  return {
    name,
    group: 'auth',
    title,
    extra: true,
    compare: { against: 'baseline', kind: 'throughput' },
    async start(ctx) {
      const child = await ctx.startServer('hono-stack', env);
      return { url: child.url, requests: [{ method: 'GET', path: '/v1/me', headers: {} }], expectStatus: 200, stop: child.stop };
    },
  };
}

export const honoStackSetups: readonly Setup[] = [
  honoStack('hono-stack-secure-headers', 'Hono + secureHeaders, no auth', { BENCH_SECURE_HEADERS: '1' }),
  honoStack('hono-stack-body-limit', 'Hono + bodyLimit, no auth', { BENCH_BODY_LIMIT: '1' }),
  honoStack('hono-stack-plain-headers', "Hono answering with Threadgate's security and CORS headers as a plain object, no auth", { BENCH_PLAIN_HEADERS: '1' }),
  honoStack('hono-stack', "Hono + secureHeaders + bodyLimit (Threadgate's global middleware), no auth", { BENCH_SECURE_HEADERS: '1', BENCH_BODY_LIMIT: '1' }),
];
