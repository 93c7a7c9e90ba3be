/** Peer: Hono + `hono/jwt` (HS256, checks exp, iss and aud). */
import { Hono } from 'hono';
import { jwt } from 'hono/jwt';
import { requireEnv } from './listening.js';
import { serveHono } from './serve-hono.js';

const app = new Hono();
app.use(
  '/v1/*',
  jwt({ secret: requireEnv('BENCH_HS256_SECRET'), alg: 'HS256', verification: { iss: requireEnv('BENCH_ISSUER'), aud: requireEnv('BENCH_AUDIENCE') } }),
);
app.get('/v1/me', (c) => {
  const payload = c.get('jwtPayload') as { sub: string };
  return c.json({ user_id: payload.sub, workspace_id: payload.sub });
});
serveHono(app);
