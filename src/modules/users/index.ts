/**
 * The users module, assembled: the service that the admin route (users-routes.ts) and `threadgate
 * users` call. It owns no table: a user's revocation is written by the platform, reached through
 * the port in users-ports.ts. (Export and erase, which ask every module for a user's rows, come
 * later: the memory module already offers its part.)
 */
import { createUsersService, type UsersService, type UsersServiceDeps } from './users-service.js';

export type { UserRevocations } from './users-ports.js';

export interface UsersModule {
  service: UsersService;
}

/**
 * @example
 * const users = createUsersModule({ revocations: store, events, config, clock: Date.now, logger })
 */
export function createUsersModule(deps: UsersServiceDeps): UsersModule {
  return { service: createUsersService(deps) };
}
