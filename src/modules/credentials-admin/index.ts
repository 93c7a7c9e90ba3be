/**
 * The credentials-admin module, assembled: API keys, authentication keys and auth rules. Its
 * repository is over the store's database (its own tables, credentials-tables.ts) and is also the
 * platform's `CredentialLookups` port, which src/server.ts hands to the authenticator; its service
 * is what the admin routes (api-keys-routes.ts, auth-keys-routes.ts, auth-rules-routes.ts, built on
 * http/admin-crud.ts) and the CLI commands call.
 */
import { kyselyOf } from '../../store/kysely-store.js';
import type { Store } from '../../store/store.js';
import { createCredentialsRepository, type CredentialsRepository } from './credentials-repository.js';
import { createCredentialsService, type CredentialsService, type CredentialsServiceDeps } from './credentials-service.js';

export interface CredentialsAdminModule {
  repository: CredentialsRepository;
  service: CredentialsService;
}

export interface CredentialsAdminModuleDeps extends Omit<CredentialsServiceDeps, 'repository'> {
  store: Store;
}

/**
 * @example
 * const credentials = createCredentialsAdminModule({ store, events, config, secretBox: () => box, clock: Date.now, logger })
 * const authenticator = createAuthenticator({ store: authLookupsOf(credentials.repository, store), ... })
 */
export function createCredentialsAdminModule(deps: CredentialsAdminModuleDeps): CredentialsAdminModule {
  const { store, ...serviceDeps } = deps;
  const repository = createCredentialsRepository(kyselyOf(store), { clock: deps.clock });
  return { repository, service: createCredentialsService({ ...serviceDeps, repository }) };
}
