import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceUrl } from '../helpers/services.js';
import { createTempDatabase } from '../helpers/postgres-database.js';
import { runAssistantCloudCases } from './assistant-cloud-cases.js';

const serverUrl = serviceUrl('TEST_POSTGRES_URL');
if (serverUrl !== undefined) {
  runAssistantCloudCases('PostgreSQL', async () => {
    const database = await createTempDatabase(serverUrl, 'e2e');
    // Uploaded files go to a temp folder, not the default ./threadgate-files in the checkout.
    const files = mkdtempSync(join(tmpdir(), 'threadgate-e2e-files-'));
    return {
      env: { DATABASE_URL: database.url, THREADGATE_FILES_DIR: files },
      cleanup: async () => {
        await database.drop();
        rmSync(files, { recursive: true, force: true });
      },
    };
  });
}
