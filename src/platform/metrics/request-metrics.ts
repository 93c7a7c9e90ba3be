/**
 * The metrics' pipeline hook (platform/http/pipeline.ts): every completed request is observed once,
 * by route template, method and status, with its latency; every accepted credential is counted by
 * kind. The route is the template the authorization step noted, or `unmatched` when no declared
 * route ran (not found, a body over the limit, a preflight).
 */
import type { PipelineHook } from '../http/pipeline.js';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.js';

/**
 * @example
 * new RequestPipeline(context, [requestMetrics(deps.metrics), completeStandardHeaders(headers)])
 */
export function requestMetrics(metrics: Metrics): PipelineHook {
  return {
    name: 'metrics',
    onAuthenticated(_exchange, authenticated) {
      metrics.countAuthentication(authenticated.credential, 'ok');
    },
    onResponse(exchange, response) {
      metrics.observeRequest(exchange.request.method, exchange.route ?? UNMATCHED_ROUTE, response.status, (performance.now() - exchange.startedAt) / 1000);
    },
  };
}
