/**
 * The agents' public cards (management routes: public unless THREADGATE_DEFAULT_PRIVATE):
 * `GET /v1/agents` and `/v1/agents/{id}`, the enabled agents a credential may run (all of them
 * without one), never their instructions, models or provider settings.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../errors.js';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { errorResponses, IdParam, JsonObject } from '../../http/openapi.js';
import { sendJson } from '../../http/respond.js';
import { agentsModuleOf } from './agents-module-of.js';
import { toAgentCard } from './agents-wire.js';

const AgentCardSchema = z.object({ id: z.string(), name: z.string(), description: z.string(), card: JsonObject }).openapi('AgentCard');

const agentParam = z.object({ agentId: IdParam.openapi({ param: { name: 'agentId', in: 'path' } }) });

const listCards = declareRoute({ category: 'management' }, {
  method: 'get', path: '/v1/agents', tags: ['agents'], summary: 'The enabled agents\' public cards',
  responses: { 200: { description: 'The cards', content: { 'application/json': { schema: z.object({ agents: z.array(AgentCardSchema) }) } } }, ...errorResponses(401) },
});
const getCard = declareRoute({ category: 'management' }, {
  method: 'get', path: '/v1/agents/{agentId}', tags: ['agents'], summary: 'An enabled agent\'s public card',
  request: { params: agentParam },
  responses: { 200: { description: 'The card', content: { 'application/json': { schema: AgentCardSchema } } }, ...errorResponses(401, 404) },
});

/**
 * @example
 * app.route('/', agentCardRoutes())
 */
export function agentCardRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  app.openapi(listCards, async (c) => sendJson(c, { agents: (await agentsModuleOf(c).service.visibleAgents(c.get('principal'))).map(toAgentCard) }, 200));
  app.openapi(getCard, async (c) => {
    const id = c.req.valid('param').agentId;
    const agent = (await agentsModuleOf(c).service.visibleAgents(c.get('principal'))).find((a) => a.id === id);
    if (agent === undefined) throw new NotFound({ message: `No agent "${id}".` });
    return sendJson(c, toAgentCard(agent), 200);
  });
  return app;
}
