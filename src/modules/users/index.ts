/**
 * The users module, assembled: its repository over the store's database and the service that the
 * admin route (users-routes.ts) and `threadgate users` call. (Export and erase, which ask every
 * module for a user's rows, come later: the memory module already offers its part.)
 */
import { kyselyOf } from '../../store/kysely-store.js';
import type { Store } from '../../store/store.js';
import { createUsersRepository, type UsersRepository } from './users-repository.js';
import { createUsersService, type UsersService, type UsersServiceDeps } from './users-service.js';

export interface UsersModule {
  repository: UsersRepository;
  service: UsersService;
}

/**
 * @example
 * const users = createUsersModule({ store, events, config, clock: Date.now, logger })
 */
export function createUsersModule(deps: Omit<UsersServiceDeps, 'repository'> & { store: Store }): UsersModule {
  const { store, ...serviceDeps } = deps;
  const repository = createUsersRepository(kyselyOf(store));
  return { repository, service: createUsersService({ ...serviceDeps, repository }) };
}
