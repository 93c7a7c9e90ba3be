/** The threads module's repository suite (threads-cases.ts) on SQLite and on PostgreSQL at TEST_POSTGRES_URL. */
import { forEachDatabase } from '../../helpers/module-databases.js';
import { runThreadsCases } from './threads-cases.js';

forEachDatabase('threads', (name, makeStore) => runThreadsCases(name, makeStore));
