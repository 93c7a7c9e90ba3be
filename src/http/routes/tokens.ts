/**
 * Token endpoints the `assistant-cloud` client calls:
 * - `POST /v1/auth/tokens`: a backend holding an API key mints a workspace token for the user and
 *   workspace named in `Aui-User-Id` / `Aui-Workspace-Id` (AssistantCloudAuthTokens.ts);
 * - `POST /v1/auth/tokens/anonymous`: a new anonymous identity, with an access token and a refresh
 *   token (AssistantCloudAnonymousAuthStrategy);
 * - `POST /v1/auth/tokens/refresh`: rotates a refresh token; a reused one revokes its family.
 * The two anonymous routes are rate limited per client address.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ThreadgateError } from '../../errors.js';
import { mintWorkspaceTokenFor } from '../../auth/workspace-token.js';
import { readUserRevocationMark } from '../../auth/revocation.js';
import { createAnonymousSession } from '../../auth/anonymous.js';
import { rotateRefreshToken } from '../../auth/refresh-token.js';
import { formatScopes } from '../../auth/principal.js';
import type { AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { requirePrincipal } from '../middleware/authorize.js';
import { rateLimitByAddress } from '../middleware/rate-limit.js';
import { errorResponses } from '../openapi.js';
import { sendJson } from '../respond.js';

const SessionSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    refresh_token: z.object({ token: z.string(), expires_at: z.string() }),
  })
  .openapi('AnonymousSession');

const mintToken = declareRoute({ category: 'data', scope: 'threads:read', sources: ['api_key'] }, {
  method: 'post',
  path: '/v1/auth/tokens',
  tags: ['auth'],
  summary: 'Mint a workspace token for the user and workspace in the Aui-User-Id and Aui-Workspace-Id headers (API key)',
  responses: {
    200: {
      description: 'A workspace token',
      content: {
        'application/json': {
          schema: z.object({ token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string() }),
        },
      },
    },
    ...errorResponses(400, 401, 403),
  },
});

const anonymousToken = declareRoute({ category: 'token' }, {
  method: 'post',
  path: '/v1/auth/tokens/anonymous',
  tags: ['auth'],
  summary: 'Start an anonymous session (when enabled)',
  responses: {
    200: { description: 'A new anonymous session', content: { 'application/json': { schema: SessionSchema } } },
    ...errorResponses(404, 429),
  },
});

const refreshToken = declareRoute({ category: 'token' }, {
  method: 'post',
  path: '/v1/auth/tokens/refresh',
  tags: ['auth'],
  summary: 'Rotate a refresh token; a reused refresh token revokes its whole session',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ refresh_token: z.string().min(1).max(512) }) } },
    },
  },
  responses: {
    200: { description: 'A new access token and refresh token', content: { 'application/json': { schema: SessionSchema } } },
    ...errorResponses(400, 401, 429),
  },
});

export function tokenRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(mintToken, async (c) => {
    const principal = requirePrincipal(c);
    const deps = depsOf(c);
    // The user's current revocation mark, from the database: a token minted after `users revoke`
    // is never refused by it, on any process (revocation.ts).
    const minted = await mintWorkspaceTokenFor(deps.keyring, deps.config, principal, await readUserRevocationMark(deps.store, principal));
    return sendJson(
      c,
      { token: minted.token, token_type: 'Bearer' as const, expires_in: deps.config.workspaceTokenTtlSeconds, scope: formatScopes(principal.scopes) },
      200,
      { 'Cache-Control': 'no-store' },
    );
  });

  app.use('/v1/auth/tokens/anonymous', rateLimitByAddress((limiters) => limiters.anonymousMint));
  app.openapi(anonymousToken, async (c) => {
    const deps = depsOf(c);
    if (!deps.config.anonymousEnabled) {
      throw new ThreadgateError('feature_disabled', { message: 'Anonymous sessions are disabled on this server (THREADGATE_ANONYMOUS).' });
    }
    const session = await createAnonymousSession(deps);
    return sendJson(c, { ...session, token_type: 'Bearer' as const, expires_in: deps.config.workspaceTokenTtlSeconds }, 200, { 'Cache-Control': 'no-store' });
  });

  app.use('/v1/auth/tokens/refresh', rateLimitByAddress((limiters) => limiters.refresh));
  app.openapi(refreshToken, async (c) => {
    const deps = depsOf(c);
    // A refresh token is a credential: an address over the failed-authentication limit is refused first.
    deps.authFailures.refuseIfBlocked(c);
    const session = await rotateRefreshToken(deps, c.req.valid('json').refresh_token);
    return sendJson(c, { ...session, token_type: 'Bearer' as const, expires_in: deps.config.workspaceTokenTtlSeconds }, 200, { 'Cache-Control': 'no-store' });
  });

  return app;
}
