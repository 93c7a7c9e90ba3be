/** Serves a Hono app on @hono/node-server at 127.0.0.1:0, as every Hono-based bench server does. */
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { announceListening, exitOnSignal } from './listening.js';

export function serveHono(app: Pick<Hono<any>, 'fetch'>): void {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announceListening(info.port));
  exitOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
}
