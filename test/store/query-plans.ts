/**
 * The shapes of the store's hot queries, each with the index that must serve it: an index range
 * read in list order, with no sort step, so a page costs `limit` rows at any depth and any table
 * size. The SQLite and PostgreSQL test files ask their planner about each. The SQL mirrors what
 * the Kysely builders in src/store/kysely-store-*.ts emit (literals instead of parameters).
 */
export interface QueryPlanCase {
  what: string;
  sql: string;
  index: string;
}

export const QUERY_PLANS: readonly QueryPlanCase[] = [
  {
    what: 'a page of a workspace\'s threads after a cursor',
    sql: "select * from threads where project_id = 'p' and workspace_id = 'w' and (last_message_at, id) < (5, 'x') order by last_message_at desc, id desc limit 20",
    index: 'threads_by_recency',
  },
  {
    what: 'a page of a workspace\'s archived threads after a cursor',
    sql: "select * from threads where project_id = 'p' and workspace_id = 'w' and is_archived = 1 and (last_message_at, id) < (5, 'x') order by last_message_at desc, id desc limit 20",
    index: 'threads_by_archived_recency',
  },
  {
    what: 'a page of a project\'s threads, every workspace, after a cursor',
    sql: "select * from threads where project_id = 'p' and is_archived = 0 and (last_message_at, id) < (5, 'x') order by last_message_at desc, id desc limit 20",
    index: 'threads_by_project_archived_recency',
  },
  {
    what: 'a thread by external id',
    sql: "select * from threads where project_id = 'p' and workspace_id = 'w' and external_id = 'e'",
    index: 'threads_external_id_unique',
  },
  {
    what: 'a page of a thread\'s messages after a cursor',
    sql: "select * from messages where project_id = 'p' and thread_id = 't' and (created_at, id) < (5, 'x') order by created_at desc, id desc limit 20",
    index: 'messages_by_recency',
  },
  {
    what: 'a page of a thread\'s messages of one format after a cursor',
    sql: "select * from messages where project_id = 'p' and thread_id = 't' and format = 'f' and (created_at, id) < (5, 'x') order by created_at desc, id desc limit 20",
    index: 'messages_by_format_recency',
  },
  {
    what: 'whether a message has children',
    sql: "select id from messages where project_id = 'p' and thread_id = 't' and parent_id = 'm' limit 1",
    index: 'messages_by_parent',
  },
  {
    what: 'a message by its run lease',
    sql: "select run_ended_at, run_end_reason from messages where project_id = 'p' and thread_id = 't' and run_lease_id = 'l'",
    index: 'messages_run_lease_unique',
  },
  {
    what: 'an API key by hash',
    sql: "select * from api_keys where key_hash = 'h'",
    index: 'api_keys_key_hash_unique',
  },
  {
    what: 'a refresh token by hash',
    sql: "select * from refresh_tokens where token_hash = 'h'",
    index: 'refresh_tokens_token_hash_unique',
  },
];
