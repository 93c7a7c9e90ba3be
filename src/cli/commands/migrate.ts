/** `threadgate migrate`: runs pending migrations against DATABASE_URL and exits. */
import { resolveConfig } from '../../config.js';
import { openStore } from '../../store/open-store.js';
import { CliUsageError } from '../cli-usage-error.js';

export async function runMigrate(args: string[]): Promise<number> {
  if (args.length > 0) throw new CliUsageError('migrate takes no arguments');
  const config = resolveConfig(process.env);
  const store = await openStore(config.database);
  try {
    await store.migrate();
    console.log(`Migrations are up to date (${store.dialect}).`);
  } finally {
    await store.close();
  }
  return 0;
}
