/**
 * The Hono application: global middleware (request deps, CORS, body limit, security headers), every
 * route module, the generated OpenAPI document, and the JSON error contract for everything else.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { ThreadgateError, ValidationFailed } from '../errors.js';
import type { AppDeps, AppEnv } from './context.js';
import { handleError, respondWithError } from './middleware/error-handler.js';
import { threadRoutes } from './routes/threads.js';
import { messageRoutes } from './routes/messages.js';
import { telemetryRoutes } from './routes/telemetry.js';
import { tokenRoutes } from './routes/tokens.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authKeyRoutes } from './routes/auth-keys.js';
import { authRuleRoutes } from './routes/auth-rules.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { meRoutes } from './routes/me.js';
import { registerDocs } from './routes/docs.js';
import { userRoutes } from './routes/users.js';
import { inspectRoutes } from './routes/inspect.js';

/** Headers a browser client sends and may read (the client reads a refreshed `Authorization`). */
const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Aui-User-Id', 'Aui-Workspace-Id', 'Aui-Sdk'];
const CORS_EXPOSE_HEADERS = ['Authorization', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'WWW-Authenticate'];

/**
 * Builds the application around its dependencies.
 *
 * @example
 * const app = createApp(deps)
 * const res = await app.request('/health')
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
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

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', secureHeaders({ crossOriginResourcePolicy: false }));
  const origins = deps.config.corsOrigins.length > 0 ? [...deps.config.corsOrigins] : deps.config.mode === 'development' ? ['*'] : [];
  if (origins.length > 0) {
    app.use(
      '*',
      cors({
        origin: origins.includes('*') ? '*' : origins,
        // The user-token header (THREADGATE_USER_TOKEN_HEADER) is sent by browsers too.
        allowHeaders: deps.config.userTokenHeader === null ? CORS_ALLOW_HEADERS : [...CORS_ALLOW_HEADERS, deps.config.userTokenHeader],
        exposeHeaders: CORS_EXPOSE_HEADERS,
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }
  const limitBody = bodyLimit({
    maxSize: deps.config.bodyLimitBytes,
    onError: () => {
      throw new ThreadgateError('payload_too_large', { message: `The request body is larger than ${deps.config.bodyLimitBytes} bytes.` });
    },
  });
  // Only methods that carry a body: on a GET, bodyLimit would make @hono/node-server build a
  // full Request for nothing (bench/: it alone took a plain Hono server to a third of its speed).
  app.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS' ? next() : limitBody(c, next)));

  app.route('/', wellKnownRoutes());
  app.route('/', tokenRoutes());
  app.route('/', meRoutes());
  app.route('/', threadRoutes());
  app.route('/', messageRoutes());
  app.route('/', telemetryRoutes());
  app.route('/', apiKeyRoutes());
  app.route('/', authKeyRoutes());
  app.route('/', authRuleRoutes());
  app.route('/', userRoutes());
  app.route('/', inspectRoutes());
  registerDocs(app);

  app.notFound((c) => respondWithError(c, new ThreadgateError('not_found', { message: `No route ${c.req.method} ${c.req.path}.` })));
  app.onError(handleError);
  return app;
}
