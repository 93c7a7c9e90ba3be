/** The no-auth baseline every auth setup is divided by: Hono on @hono/node-server, `GET /v1/me`, no credential. */
import type { Setup } from './types.js';

export const baseline: Setup = {
  name: 'baseline',
  group: 'auth',
  title: 'Hono on @hono/node-server, GET /v1/me, no auth',
  async start(ctx) {
    const child = await ctx.startServer('hono-plain', {});
    return { url: child.url, requests: [{ method: 'GET', path: '/v1/me', headers: {} }], expectStatus: 200, stop: child.stop };
  },
};
