/**
 * Threadgate's global middleware without Threadgate: Hono on @hono/node-server with hono's
 * `secureHeaders` (as src/http/app.ts configures it) and/or `bodyLimit` (1 MiB) in front of the
 * baseline's `GET /v1/me`, no auth. BENCH_SECURE_HEADERS=1 and BENCH_BODY_LIMIT=1 pick them.
 * BENCH_PLAIN_HEADERS=1 answers with the headers Threadgate sends on every response (security and
 * CORS, from dist/http/middleware/standard-headers.js) as one plain object, the way
 * src/http/respond.ts does. It shows what the stack costs before any credential is looked at.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { serveHono } from './serve-hono.js';

const app = new Hono();
if (process.env.BENCH_SECURE_HEADERS === '1') app.use('*', secureHeaders({ crossOriginResourcePolicy: false }));
if (process.env.BENCH_BODY_LIMIT === '1') app.use('*', bodyLimit({ maxSize: 1024 * 1024 }));
if (process.env.BENCH_PLAIN_HEADERS === '1') {
  const { API_SECURITY_HEADERS } = (await import(new URL('../../dist/http/middleware/standard-headers.js', import.meta.url).href)) as typeof import('../../src/http/middleware/standard-headers.js');
  const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Authorization,Retry-After,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset,WWW-Authenticate' };
  app.get('/v1/me', () => new Response(JSON.stringify({ user_id: 'bench-user', workspace_id: 'bench-user' }), { headers: { ...API_SECURITY_HEADERS, ...cors, 'Content-Type': 'application/json' } }));
} else {
  app.get('/v1/me', (c) => c.json({ user_id: 'bench-user', workspace_id: 'bench-user' }));
}
serveHono(app);
