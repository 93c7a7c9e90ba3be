/** The users repository suite (a user's revocation) on SQLite and on PostgreSQL at TEST_POSTGRES_URL. */
import { forEachDatabase } from '../../helpers/module-databases.js';
import { runCaseSuite } from '../../store/store-cases.js';
import { userRevocationCases } from './users-repository-cases.js';

forEachDatabase('users', (name, makeStore) => runCaseSuite(`users repository (${name})`, makeStore, [userRevocationCases]));
