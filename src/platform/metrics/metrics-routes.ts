/**
 * `GET /metrics`: the Prometheus text exposition of the server's metrics (metrics.ts). It needs
 * the admin key as a Bearer token unless THREADGATE_METRICS_PUBLIC is set (docs/metrics.md).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { createRouteModule, declareRoute } from '../../http/define-route.js';
import { errorResponses } from '../../http/openapi.js';
import { standardHeadersOf } from '../../http/respond.js';
import { depsOf } from '../http/pipeline.js';

const scrape = declareRoute({ category: 'metrics' }, {
  method: 'get',
  path: '/metrics',
  tags: ['metrics'],
  summary: 'Prometheus metrics (admin key, unless THREADGATE_METRICS_PUBLIC)',
  responses: {
    200: { description: 'The Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses(401),
  },
});

export function metricsRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  app.openapi(scrape, async (c) => {
    const { registry } = depsOf(c).metrics;
    const text = await registry.metrics();
    return c.text(text, 200, { ...standardHeadersOf(c), 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
  });
  return app;
}
