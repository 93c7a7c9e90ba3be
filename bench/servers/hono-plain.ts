/** The no-auth baseline: Hono on @hono/node-server answering `GET /v1/me` with a tiny JSON. */
import { Hono } from 'hono';
import { serveHono } from './serve-hono.js';

const app = new Hono();
app.get('/v1/me', (c) => c.json({ user_id: 'bench-user', workspace_id: 'bench-user' }));
serveHono(app);
