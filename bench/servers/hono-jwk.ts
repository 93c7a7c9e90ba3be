/**
 * Peer: Hono + `hono/jwk` (RS256) with `jwks_uri` pointing at the bench's local JWKS server. As of
 * hono 4.13 the middleware fetches the JWKS on every request (it keeps no key cache), which is the
 * behaviour measured here.
 */
import { Hono } from 'hono';
import { jwk } from 'hono/jwk';
import { requireEnv } from './listening.js';
import { serveHono } from './serve-hono.js';

const app = new Hono();
app.use(
  '/v1/*',
  jwk({
    jwks_uri: requireEnv('BENCH_JWKS_URI'),
    alg: ['RS256'],
    verification: { iss: requireEnv('BENCH_ISSUER'), aud: requireEnv('BENCH_AUDIENCE'), typ: 'at+jwt' },
  }),
);
app.get('/v1/me', (c) => {
  const payload = c.get('jwtPayload') as { sub: string };
  return c.json({ user_id: payload.sub, workspace_id: payload.sub });
});
serveHono(app);
