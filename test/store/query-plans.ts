/**
 * The shapes of the store's hot queries, each with the index that must serve it: an index range
 * read in list order, with no sort step, so a page costs `limit` rows at any depth and any table
 * size. The SQLite and PostgreSQL test files ask their planner about each.
 *
 * The SQL is the store's own, or a module's repository's over the same store: each case calls a
 * real store or repository method (over the data of {@link PLAN_DATA}) and the store hands over
 * every query it compiled (`StoreDeps.onQuery`); the planner is asked about the one query the case
 * picks, with its parameters. A query the Kysely code stops building in the indexed shape fails here.
 */
import type { CompiledQuery } from 'kysely';
import type { Store } from '../../src/store/store.js';
import { kyselyOf } from '../../src/store/kysely-store.js';
import { createCredentialsRepository } from '../../src/modules/credentials-admin/credentials-repository.js';
import { createThreadsModule, type ThreadsModule } from '../../src/modules/threads/index.js';

export interface QueryPlanCase {
  what: string;
  /** Calls the store (or repository) method whose query is checked. */
  run(store: Store): Promise<unknown>;
  /** Picks the checked query among the selects the call ran: exactly one must match. */
  pick: RegExp;
  index: string;
}

/**
 * The data the cases read, which each test file inserts before asking (with its dialect's SQL):
 * project `p`, threads `plan_1`..`plan_N` spread over workspaces `w`, `w1`..`w39` (every 40th in
 * `w`), every other one archived, and a thread `t` in `w` holding messages `plan_1`..`plan_N` of
 * format `f`, every other one with the run lease `lease_<i>`.
 */
export const PLAN_DATA = { projectId: 'p', workspaceId: 'w', threadId: 't', rows: 4000 } as const;

const { projectId, workspaceId, threadId } = PLAN_DATA;

/** The threads module's repositories over `store`, as the server builds them. */
const threadsOf = (store: Store): ThreadsModule => createThreadsModule({ store, clock: Date.now });

export const QUERY_PLANS: readonly QueryPlanCase[] = [
  {
    what: 'a page of a workspace\'s threads after a cursor',
    run: (store) => threadsOf(store).threads.listThreads({ projectId, workspaceId, limit: 20, after: 'plan_40' }),
    pick: /order by/,
    index: 'threads_by_recency',
  },
  {
    what: 'a page of a workspace\'s archived threads after a cursor',
    run: (store) => threadsOf(store).threads.listThreads({ projectId, workspaceId, isArchived: true, limit: 20, after: 'plan_40' }),
    pick: /order by/,
    index: 'threads_by_archived_recency',
  },
  {
    what: 'a page of a project\'s threads, every workspace, after a cursor',
    run: (store) => threadsOf(store).threads.listProjectThreads({ projectId, isArchived: false, limit: 20, after: 'plan_41' }),
    pick: /order by/,
    index: 'threads_by_project_archived_recency',
  },
  {
    what: 'a thread by external id',
    run: (store) => threadsOf(store).threads.findThreadByExternalId(projectId, workspaceId, 'e'),
    pick: /"external_id" =/,
    index: 'threads_external_id_unique',
  },
  {
    what: 'a page of a thread\'s messages after a cursor',
    run: (store) => threadsOf(store).messages.listMessages({ projectId, threadId, limit: 20, after: 'plan_10' }),
    pick: /order by/,
    index: 'messages_by_recency',
  },
  {
    what: 'a page of a thread\'s messages of one format after a cursor',
    run: (store) => threadsOf(store).messages.listMessages({ projectId, threadId, format: 'f', limit: 20, after: 'plan_10' }),
    pick: /order by/,
    index: 'messages_by_format_recency',
  },
  {
    what: 'whether a message has children',
    run: (store) => threadsOf(store).messages.updateMessage(projectId, threadId, 'plan_11', { edited: true }),
    pick: /"parent_id" =/,
    index: 'messages_by_parent',
  },
  {
    what: 'a message by its run lease',
    // No such lease: the conditional write changes nothing, and the lease's state is read.
    run: (store) => threadsOf(store).messages.heartbeatRun(projectId, threadId, 'lease_none'),
    pick: /"run_lease_id" =/,
    index: 'messages_run_lease_unique',
  },
  {
    what: 'an API key by hash',
    run: (store) => createCredentialsRepository(kyselyOf(store)).findApiKeyByHash('h'),
    pick: /from "api_keys"/,
    index: 'api_keys_key_hash_unique',
  },
  {
    what: 'a refresh token by hash',
    run: (store) => store.findRefreshTokenByHash('h'),
    pick: /from "refresh_tokens"/,
    index: 'refresh_tokens_token_hash_unique',
  },
];

/**
 * Runs `plan` on `store`, whose `onQuery` pushes into `captured`, and returns the one select it
 * picks. Throws when the call ran no such select, or several.
 */
export async function capturePlanQuery(store: Store, captured: CompiledQuery[], plan: QueryPlanCase): Promise<CompiledQuery> {
  captured.length = 0;
  await plan.run(store);
  const picked = captured.filter((query) => /^select /i.test(query.sql) && plan.pick.test(query.sql));
  if (picked.length !== 1) {
    throw new Error(`${plan.what}: ${picked.length} selects match ${plan.pick} among ${JSON.stringify(captured.map((query) => query.sql))}`);
  }
  return picked[0]!;
}
