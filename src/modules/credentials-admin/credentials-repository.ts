/**
 * The credentials-admin module's repository: API keys, authentication keys and auth rules, one
 * file each (api-keys-repository.ts, auth-keys-repository.ts, auth-rules-repository.ts), joined
 * here. It is also the platform's `CredentialLookups` port (auth/credential-records.ts): the
 * server hands it to the authenticator, behind the cache of auth/cached-lookups.ts.
 */
import type { Kysely } from 'kysely';
import type { CredentialLookups } from '../../auth/credential-records.js';
import { createApiKeysRepository, type ApiKeysRepository } from './api-keys-repository.js';
import { createAuthKeysRepository, type AuthKeysRepository } from './auth-keys-repository.js';
import { createAuthRulesRepository, type AuthRulesRepository } from './auth-rules-repository.js';
import type { CredentialsDatabase } from './credentials-tables.js';

export type CredentialsRepository = ApiKeysRepository & AuthKeysRepository & AuthRulesRepository & CredentialLookups;

export interface CredentialsRepositoryDeps {
  /** Milliseconds since the epoch, for an auth rule's `updatedAt`; `Date.now` unless a test freezes time. */
  clock?: () => number;
}

/**
 * @example
 * const repository = createCredentialsRepository(kyselyOf(store))
 * await repository.listApiKeys('default')
 */
export function createCredentialsRepository(db: Kysely<any>, deps: CredentialsRepositoryDeps = {}): CredentialsRepository {
  const typed = db as Kysely<CredentialsDatabase>;
  return Object.freeze({
    ...createApiKeysRepository(typed),
    ...createAuthKeysRepository(typed),
    ...createAuthRulesRepository(typed, deps.clock ?? Date.now),
  });
}
