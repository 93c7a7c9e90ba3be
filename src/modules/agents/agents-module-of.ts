/**
 * The agents module a request is served by (the app's dependencies): the agents routes answer
 * feature_disabled without one.
 */
import type { Context } from 'hono';
import { depsOf } from '../../platform/http/pipeline.js';
import { ThreadgateError } from '../../errors.js';
import type { AppEnv } from '../../http/context.js';
import type { AgentsModule } from './index.js';

/**
 * @example
 * const { service } = agentsModuleOf(c)
 */
export function agentsModuleOf(c: Context<AppEnv>): AgentsModule {
  const agents = depsOf(c).agents;
  if (agents === undefined) throw new ThreadgateError('feature_disabled', { message: 'Agents are not configured on this server.' });
  return agents;
}
