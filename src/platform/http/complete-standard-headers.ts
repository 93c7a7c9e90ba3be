/**
 * The pipeline hook that gives every response the standard headers it lacks
 * (http/middleware/standard-headers.ts): Hono's own responses, the HTML page, a preflight, anything
 * not built through respond.ts. A response built by `sendJson` / `sendEmpty` is marked complete and
 * passes untouched, its headers still one plain object.
 */
import type { StandardHeaderSets } from '../../http/middleware/standard-headers.js';
import { hasStandardHeaders } from '../../http/response-mark.js';
import { rawHeader, rawHeadersOf } from '../../http/request-header.js';
import type { PipelineHook } from './pipeline.js';

/** The request's `Origin`, read as `requestHeader` reads it (request-header.ts). */
function originOf(request: Request, bindings: object): string | undefined {
  const raw = rawHeadersOf(bindings);
  return raw === undefined ? (request.headers.get('origin') ?? undefined) : rawHeader(raw, 'origin');
}

/**
 * @example
 * new RequestPipeline(context, [requestMetrics(metrics), completeStandardHeaders(headers)])
 */
export function completeStandardHeaders(headers: StandardHeaderSets): PipelineHook {
  return {
    name: 'standard-headers',
    onResponse(exchange, response) {
      if (hasStandardHeaders(response)) return response;
      return headers.complete(response, exchange.request.method, originOf(exchange.request, exchange.bindings));
    },
  };
}
