/** The credentials-admin repository suites (API keys, authentication keys, auth rules) on SQLite and on PostgreSQL at TEST_POSTGRES_URL. */
import { forEachDatabase } from '../../helpers/module-databases.js';
import { runCaseSuite } from '../../store/store-cases.js';
import { apiKeyCases } from './api-keys-repository-cases.js';
import { authKeyCases } from './auth-keys-repository-cases.js';
import { authRuleCases } from './auth-rules-repository-cases.js';

forEachDatabase('credentials', (name, makeStore) => runCaseSuite(`credentials-admin repository (${name})`, makeStore, [apiKeyCases, authKeyCases, authRuleCases]));
