import { serviceUrl } from '../helpers/services.js';
import { createTempDatabase } from '../helpers/postgres-database.js';
import { runAssistantCloudCases } from './assistant-cloud-cases.js';

const serverUrl = serviceUrl('TEST_POSTGRES_URL');
if (serverUrl !== undefined) {
  runAssistantCloudCases('PostgreSQL', async () => {
    const database = await createTempDatabase(serverUrl, 'e2e');
    return { env: { DATABASE_URL: database.url }, cleanup: () => database.drop() };
  });
}
