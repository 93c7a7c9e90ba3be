import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAssistantCloudCases } from './assistant-cloud-cases.js';

runAssistantCloudCases('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-e2e-'));
  return { env: { DATABASE_URL: join(dir, 'e2e.db') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
