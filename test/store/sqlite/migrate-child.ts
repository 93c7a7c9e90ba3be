/**
 * Child process for sqlite-store.test.ts: waits until the given instant, then migrates the given
 * file, so two of these started together really migrate at the same time. Exit code 0 on success.
 */
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

const [file, startAt] = process.argv.slice(2);
if (file === undefined || startAt === undefined) throw new Error('usage: migrate-child.ts <file> <startAt ms>');
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const store = createSqliteStore({ path: file });
try {
  await store.migrate();
} finally {
  await store.close();
}
