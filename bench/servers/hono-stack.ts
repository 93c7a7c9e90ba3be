/**
 * Threadgate's global middleware without Threadgate: Hono on @hono/node-server with hono's
 * `secureHeaders` (as src/http/app.ts configures it) and/or `bodyLimit` (1 MiB) in front of the
 * baseline's `GET /v1/me`, no auth. BENCH_SECURE_HEADERS=1 and BENCH_BODY_LIMIT=1 pick them. It
 * shows what the stack costs before any credential is looked at.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { serveHono } from './serve-hono.js';

const app = new Hono();
if (process.env.BENCH_SECURE_HEADERS === '1') app.use('*', secureHeaders({ crossOriginResourcePolicy: false }));
if (process.env.BENCH_BODY_LIMIT === '1') app.use('*', bodyLimit({ maxSize: 1024 * 1024 }));
app.get('/v1/me', (c) => c.json({ user_id: 'bench-user', workspace_id: 'bench-user' }));
serveHono(app);
