/**
 * The Hono application: the request pipeline every request goes through (its dependencies, the
 * request metrics, the security and CORS headers), the body limit, every route module, the
 * generated OpenAPI document, and the JSON error contract for everything else.
 */
import { ThreadgateError, ValidationFailed } from '../errors.js';
import type { AppDeps, AppEnv } from './context.js';
import { handleError, respondWithError } from './middleware/error-handler.js';
import { threadRoutes } from '../modules/threads/threads-routes.js';
import { messageRoutes } from '../modules/threads/messages-routes.js';
import { runLeaseRoutes } from '../modules/threads/run-leases-routes.js';
import { projectRoutes } from '../modules/threads/projects-routes.js';
import { telemetryRoutes } from '../modules/runs/runs-routes.js';
import { runStreamRoutes } from '../modules/runs/run-stream-routes.js';
import { fileRoutes } from './routes/files.js';
import { LOCAL_BLOB_PATH } from '../files/local/local-blob-store.js';
import { tokenRoutes } from './routes/tokens.js';
import { apiKeyRoutes } from '../modules/credentials-admin/api-keys-routes.js';
import { authKeyRoutes } from '../modules/credentials-admin/auth-keys-routes.js';
import { authRuleRoutes } from '../modules/credentials-admin/auth-rules-routes.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { meRoutes } from './routes/me.js';
import { registerDocs } from './routes/docs.js';
import { userRoutes } from '../modules/users/users-routes.js';
import { inspectRoutes } from './routes/inspect.js';
import { agentAdminRoutes } from '../modules/agents/agents-admin-routes.js';
import { agentCardRoutes } from '../modules/agents/agent-cards-routes.js';
import { agentRunRoutes } from '../modules/agents/agent-run-routes.js';
import { memoryRoutes } from '../modules/memory/memory-routes.js';
import { createStandardHeaderSets, type StandardHeaderSets } from './middleware/standard-headers.js';
import { limitBody } from './middleware/body-limit.js';
import { createHonoRouter, StaticFirstRouter } from '../platform/http/router/static-first-router.js';
import { FoldingRouter } from '../platform/http/router/folding-router.js';
import { RequestPipeline } from '../platform/http/pipeline.js';
import { PipelineApp } from '../platform/http/pipeline-app.js';
import { completeStandardHeaders } from '../platform/http/complete-standard-headers.js';
import { requestMetrics } from '../platform/metrics/request-metrics.js';
import { authorizationFold } from './define-route.js';
import { auditRoutes } from '../modules/audit/audit-routes.js';
import { metricsRoutes } from '../platform/metrics/metrics-routes.js';

/**
 * Middleware registered for every path of some methods only (so it shows in `app.routes` with a
 * method): test/http/route-policy.test.ts tells it from a route by this set, and fails on any
 * other registration that skipped `declareRoute`.
 */
export const GLOBAL_MIDDLEWARE = new WeakSet<(...args: never[]) => unknown>();

/**
 * The standard header sets of an application built around `deps`: the security headers, and CORS
 * for the configured origins (any origin in development when none are configured).
 */
export function createAppHeaders(deps: AppDeps): StandardHeaderSets {
  const origins = deps.config.corsOrigins.length > 0 ? [...deps.config.corsOrigins] : deps.config.mode === 'development' ? ['*'] : [];
  return createStandardHeaderSets({ corsOrigins: origins, userTokenHeader: deps.config.userTokenHeader });
}

/**
 * The request pipeline of an application built around `deps`: the request metrics first, then the
 * completion of the standard headers (platform/http/pipeline.ts).
 *
 * @example
 * const app = new PipelineApp(createAppPipeline(deps))
 */
export function createAppPipeline(deps: AppDeps, headers: StandardHeaderSets = createAppHeaders(deps)): RequestPipeline {
  return new RequestPipeline({ deps, headers }, [requestMetrics(deps.metrics), completeStandardHeaders(headers)]);
}

/**
 * Builds the application around its dependencies.
 *
 * @example
 * const app = createApp(deps)
 * const res = await app.request('/health')
 */
export function createApp(deps: AppDeps): PipelineApp {
  const headers = createAppHeaders(deps);
  const app = new PipelineApp(createAppPipeline(deps, headers), {
    // Static route paths answered without a search (static-first-router.ts says why), and each
    // route's authorization step folded into its handler where nothing sits between them
    // (define-route.ts says why).
    router: new StaticFirstRouter(new FoldingRouter(createHonoRouter(), authorizationFold)),
    // zod's issues → validation_error naming the first offending field (dotted path).
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue && issue.path.length > 0 ? issue.path.join('.') : result.target;
        return respondWithError(c, new ValidationFailed(String(field), issue?.message ?? 'is invalid'));
      }
      return undefined;
    },
  });

  if (headers.preflight !== undefined) {
    app.options('*', headers.preflight);
    GLOBAL_MIDDLEWARE.add(headers.preflight);
  }
  // Only on methods that carry a body, and registered per method, so a GET does not even pass
  // through it (middleware/body-limit.ts says why the body is not touched).
  // Uploads through a signed file URL have their own limit (THREADGATE_FILES_MAX_BYTES), counted
  // as the bytes are written (files/local/local-blob-store.ts).
  const limitJsonBody = limitBody(deps.config.bodyLimitBytes);
  const uploads = `${LOCAL_BLOB_PATH}/`;
  const limitBodySize: typeof limitJsonBody = (c, next) => (c.req.path.startsWith(uploads) ? next() : limitJsonBody(c, next));
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '*', limitBodySize);
  GLOBAL_MIDDLEWARE.add(limitBodySize);

  app.route('/', wellKnownRoutes());
  app.route('/', tokenRoutes());
  app.route('/', meRoutes());
  app.route('/', threadRoutes());
  app.route('/', messageRoutes());
  app.route('/', runLeaseRoutes());
  app.route('/', projectRoutes());
  app.route('/', telemetryRoutes());
  app.route('/', runStreamRoutes());
  app.route('/', fileRoutes());
  app.route('/', apiKeyRoutes());
  app.route('/', authKeyRoutes());
  app.route('/', authRuleRoutes());
  app.route('/', userRoutes());
  app.route('/', inspectRoutes());
  app.route('/', agentAdminRoutes());
  app.route('/', agentCardRoutes());
  app.route('/', agentRunRoutes());
  app.route('/', memoryRoutes());
  app.route('/', auditRoutes());
  app.route('/', metricsRoutes());
  registerDocs(app);

  app.notFound((c) => respondWithError(c, new ThreadgateError('not_found', { message: `No route ${c.req.method} ${c.req.path}.` })));
  app.onError(handleError);
  return app;
}
