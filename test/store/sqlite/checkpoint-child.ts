/**
 * Child process for checkpoint-worker.test.ts: opens a SQLite store from the module it is given
 * (src/ under tsx, or the built dist/), appends until its checkpoint worker has copied the WAL into
 * the database, then closes the store or leaves it open, prints what it saw as JSON and ends
 * without process.exit: the parent checks that nothing keeps the process alive.
 *
 * Usage: checkpoint-child.ts <sqlite-store module URL> <database file> <close|leave-open>
 */
import { openSync, readSync, closeSync } from 'node:fs';
import type { createSqliteStore as CreateSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

const [moduleUrl, file, ending] = process.argv.slice(2);
if (moduleUrl === undefined || file === undefined || (ending !== 'close' && ending !== 'leave-open')) {
  throw new Error('usage: checkpoint-child.ts <sqlite-store module URL> <database file> <close|leave-open>');
}
const { createSqliteStore } = (await import(moduleUrl)) as { createSqliteStore: typeof CreateSqliteStore };

/** mxFrame and nBackfill from the -shm file (see walProgress in checkpoint-worker.test.ts). */
function walProgress(): { frames: number; copied: number } {
  const buffer = Buffer.alloc(100);
  const fd = openSync(`${file}-shm`, 'r');
  try {
    readSync(fd, buffer, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return { frames: buffer.readUInt32LE(16), copied: buffer.readUInt32LE(96) };
}

const logged: string[] = [];
const logger = {
  info: () => {},
  warn: (_: object, message: string) => logged.push(message),
  error: (_: object, message: string) => logged.push(message),
};
const store = createSqliteStore({ path: file }, { logger, checkpoint: { startDelayMs: 0, pollMs: 20 } });
await store.migrate();
const where = { projectId: 'proj_child', workspaceId: 'ws_child' };
const thread = await store.createThread({ ...where, title: 'child', lastMessageAt: 1, metadata: null, externalId: null });
let copiedByWorker = false;
for (let i = 0; i < 500 && !copiedByWorker; i++) {
  const result = await store.appendMessage({ ...where, threadId: thread.id, parentId: null, format: 'aui/v0', content: { i }, externalId: null });
  if (!result.ok) throw new Error(`append refused: ${result.reason}`);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const progress = walProgress();
  copiedByWorker = progress.frames > 0 && progress.copied === progress.frames;
}
if (ending === 'close') await store.close();
console.log(JSON.stringify({ copiedByWorker, logged }));
