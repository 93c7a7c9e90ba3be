/**
 * Every setup, in run order: the baseline first (the auth ratios divide by it), Threadgate's
 * credential kinds, the peers, then the real work (each floor before the Threadgate setup compared
 * with it; lists before appends, which add rows).
 */
import { baseline } from './baseline.js';
import { tgWorkspaceToken } from './tg-workspace-token.js';
import { tgApiKey } from './tg-api-key.js';
import { tgAnonymous } from './tg-anonymous.js';
import { tgUserToken } from './tg-user-token.js';
import { tgAuthRule } from './tg-auth-rule.js';
import { honoJwt } from './hono-jwt.js';
import { honoJwk } from './hono-jwk.js';
import { expressJwt } from './express-jwt.js';
import { expressJwks } from './express-jwks.js';
import { fastifyJwt, fastifyJwtCache } from './fastify-jwt.js';
import { nodeFastJwt } from './node-fast-jwt.js';
import { voltagentJwt } from './voltagent-jwt.js';
import { floorWork } from './floor-work.js';
import { tgWork } from './tg-work.js';
import { honoStackSetups } from './hono-stack.js';
import { floorMemory, tgMemory } from './memory.js';
import type { Setup } from './types.js';

export const SETUPS: readonly Setup[] = [
  baseline,
  tgWorkspaceToken({ cache: true }),
  tgApiKey({ cache: true }),
  tgAnonymous,
  tgUserToken,
  tgAuthRule,
  tgWorkspaceToken({ cache: false }),
  tgApiKey({ cache: false }),
  ...honoStackSetups,
  honoJwt,
  honoJwk,
  expressJwt,
  expressJwks,
  fastifyJwt,
  fastifyJwtCache,
  nodeFastJwt,
  voltagentJwt,
  ...(['sqlite', 'postgres'] as const).flatMap((kind) => [
    floorWork('list', kind),
    tgWork('list', kind),
    tgWork('list', kind, 'small'),
    floorWork('append', kind),
    tgWork('append', kind),
  ]),
  // Memory search: per database and mode, the floor, then Threadgate at the run's size, then at 10k.
  ...(['sqlite', 'postgres'] as const).flatMap((kind) =>
    (['keyword', 'hybrid'] as const).flatMap((mode) => [floorMemory(mode, kind), tgMemory(mode, kind), tgMemory(mode, kind, 'small')]),
  ),
];
