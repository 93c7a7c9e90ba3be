/** The memory store suite on SQLite (a temp file) and on PostgreSQL at TEST_POSTGRES_URL (a fresh schema). */
import { forEachDatabase } from '../../helpers/module-databases.js';
import { runMemoryStoreCases } from './memory-store-cases.js';

forEachDatabase('memory', (name, makeStore) => runMemoryStoreCases(name, (clock) => makeStore({ clock })));
