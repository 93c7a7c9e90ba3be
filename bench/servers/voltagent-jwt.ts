/**
 * Peer: VoltAgent's `jwtAuth` provider (@voltagent/server-core, HS256 through jsonwebtoken), in a
 * Hono middleware that does what @voltagent/server-hono's auth middleware does on a GET: ask
 * `requiresAuth` whether the route is protected, extract the token with the provider, verify it,
 * and set `authenticatedUser`. (server-hono itself is not installed: it brings a second
 * @hono/node-server major and the A2A/MCP servers.) Runs with NODE_ENV=production, which also keeps
 * @voltagent/core from trying to refresh its model registry over the network at import.
 */
import { Hono } from 'hono';
import { jwtAuth, requiresAuth } from '@voltagent/server-core';
import { requireEnv } from './listening.js';
import { serveHono } from './serve-hono.js';

const provider = jwtAuth({
  secret: requireEnv('BENCH_HS256_SECRET'),
  defaultPrivate: true,
  verifyOptions: { algorithms: ['HS256'], issuer: requireEnv('BENCH_ISSUER'), audience: requireEnv('BENCH_AUDIENCE') },
});

const app = new Hono();
app.use('*', async (c, next) => {
  if (!requiresAuth(c.req.method, c.req.path, provider.publicRoutes, provider.defaultPrivate)) return next();
  try {
    const token = provider.extractToken?.(c.req.raw);
    if (token === undefined) return c.json({ success: false, error: 'Authentication required' }, 401);
    const user = await provider.verifyToken(token, c.req.raw);
    if (!user) return c.json({ success: false, error: 'Invalid authentication' }, 401);
    c.set('authenticatedUser' as never, user as never);
    return next();
  } catch (error) {
    return c.json({ success: false, error: error instanceof Error ? error.message : 'Authentication failed' }, 401);
  }
});
app.get('/v1/me', (c) => {
  const user = c.get('authenticatedUser' as never) as { sub: string };
  return c.json({ user_id: user.sub, workspace_id: user.sub });
});
serveHono(app);
