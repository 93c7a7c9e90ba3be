/**
 * Public endpoints: the workspace-token JWKS (so other services can verify Threadgate's tokens;
 * retired keys stay listed until every token they signed has expired) and the health check.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { sendJson } from '../respond.js';

const jwks = declareRoute({ category: 'keys' }, {
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['keys'],
  summary: 'Public keys of workspace tokens (RFC 7517 JWK Set)',
  responses: {
    200: {
      description: 'The JWK Set',
      content: { 'application/json': { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JwkSet') } },
    },
  },
});

const health = declareRoute({ category: 'health' }, {
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Liveness and database reachability',
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), database: z.string() }) } } },
    503: { description: 'The database is unreachable', content: { 'application/json': { schema: z.object({ status: z.literal('unavailable'), database: z.string() }) } } },
  },
});

export function wellKnownRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  app.openapi(jwks, async (c) => {
    return sendJson(c, await depsOf(c).keyring.jwks(), 200, { 'Cache-Control': 'public, max-age=60' });
  });
  app.openapi(health, async (c) => {
    const { store } = depsOf(c);
    try {
      await store.getSetting('health');
      return sendJson(c, { status: 'ok' as const, database: store.dialect }, 200);
    } catch {
      return sendJson(c, { status: 'unavailable' as const, database: store.dialect }, 503);
    }
  });
  return app;
}
