/**
 * The e2e cases with assistant-cloud 0.2.9 (npm alias assistant-cloud-0-2-9), the client of apps
 * from before run leases: what they call must keep working. On SQLite; the newest client runs on
 * both databases (assistant-cloud-sqlite / -postgres).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_0_2_9, runAssistantCloudCases } from './assistant-cloud-cases.js';

runAssistantCloudCases(
  'SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadgate-e2e-0-2-9-'));
    return { env: { DATABASE_URL: join(dir, 'e2e.db') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  CLIENT_0_2_9,
);
