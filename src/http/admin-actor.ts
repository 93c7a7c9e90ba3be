/**
 * The actor of an admin API request, for the domain events it publishes (platform/events/): the
 * admin key, the client address (as THREADGATE_TRUST_PROXY says to read it) and the request.
 */
import type { Context } from 'hono';
import type { Actor } from '../platform/events/bus.js';
import type { AppEnv } from './context.js';
import { clientAddress } from './middleware/client-address.js';
import { depsOf } from '../platform/http/pipeline.js';

/**
 * @example
 * deps.events.publish('api_key.revoked', { id }, adminActor(c))
 */
export function adminActor(c: Context<AppEnv>): Actor {
  return { kind: 'admin_key', address: clientAddress(c, depsOf(c).config.trustProxy), route: `${c.req.method} ${c.req.path}` };
}
