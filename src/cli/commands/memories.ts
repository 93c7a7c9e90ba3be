/**
 * `threadgate memories count|list|erase <user id>` (admin, every workspace of the project) and
 * `threadgate memories reembed [--all]`: after changing THREADGATE_EMBEDDINGS_MODEL, queue every
 * memory without a vector from the new model (every memory, with --all) and embed them now; what
 * is left when the provider fails is finished by the servers' backfill.
 */
import { resolveConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { openCliStore } from '../open-cli-store.js';
import { CliUsageError } from '../cli-usage-error.js';
import { createMemoryModule } from '../../modules/memory/index.js';
import { toWireMemory } from '../../modules/memory/memory-routes.js';

const USAGE = 'memories: expected "memories count <user id>", "memories list <user id> [--limit n]", "memories erase <user id>" or "memories reembed [--all]"';

export async function runMemories(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  let userId: string | undefined;
  let limit = 100;
  let all = false;
  switch (action) {
    case 'count':
    case 'erase':
      if (rest.length !== 1) throw new CliUsageError(USAGE);
      userId = rest[0];
      break;
    case 'list':
      userId = rest[0];
      if (userId === undefined || userId.startsWith('--')) throw new CliUsageError(USAGE);
      if (rest.length === 3 && rest[1] === '--limit' && /^\d+$/.test(rest[2]!) && Number(rest[2]) >= 1 && Number(rest[2]) <= 10_000) limit = Number(rest[2]);
      else if (rest.length !== 1) throw new CliUsageError(USAGE);
      break;
    case 'reembed':
      if (rest.length > 1 || (rest.length === 1 && rest[0] !== '--all')) throw new CliUsageError(USAGE);
      all = rest[0] === '--all';
      break;
    default:
      throw new CliUsageError(USAGE);
  }
  const config = resolveConfig(process.env);
  const { store, close } = await openCliStore(config);
  try {
    const memory = createMemoryModule({ store, config, logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel), clock: Date.now });
    switch (action) {
      case 'count':
        console.log(JSON.stringify({ user_id: userId, count: await memory.countForUser(config.projectId, userId!) }));
        return 0;
      case 'list': {
        const memories = [];
        let cursor: string | undefined;
        do {
          const page = await memory.service.listForUser(config.projectId, userId!, { limit: Math.min(100, limit - memories.length), ...(cursor !== undefined ? { cursor } : {}) });
          memories.push(...page.memories.map((item) => ({ ...toWireMemory(item), workspace_id: item.workspaceId })));
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined && memories.length < limit);
        console.log(JSON.stringify(memories, null, 2));
        return 0;
      }
      case 'erase': {
        const erased = await memory.eraseUser(config.projectId, userId!);
        console.log(`Erased ${erased} memories of ${userId} (every workspace, with their vectors).`);
        return 0;
      }
      default: {
        if (memory.embedder === null) {
          console.error('threadgate: memories reembed needs THREADGATE_EMBEDDINGS_URL and THREADGATE_EMBEDDINGS_MODEL (docs/memory.md)');
          return 1;
        }
        const queued = await memory.repo.markForReembed(memory.embedder.model, all);
        const pending = await memory.repo.countPending();
        console.log(`Queued ${queued} memories for ${memory.embedder.model}; ${pending} to embed.`);
        const result = await memory.backfill.drain();
        const left = await memory.repo.countPending();
        if (result.failed) {
          console.error(`threadgate: the embeddings provider failed after ${result.embedded} memories; ${left} are left queued for the servers' backfill (run this again to finish now).`);
          return 1;
        }
        console.log(`Embedded ${result.embedded} memories with ${memory.embedder.model}; ${left} left.`);
        return 0;
      }
    }
  } finally {
    await close();
  }
}
