/**
 * The tables the runs module owns (`runs`, `events`, `scores`), exactly as both databases hold them
 * (store/database.ts says how times and JSON are stored). Only this module's repository names them.
 */

/** The `runs` table. */
export interface RunsTable {
  id: string;
  project_id: string;
  workspace_id: string;
  user_id: string;
  thread_id: string | null;
  status: string;
  /** JSON text. */
  report: string;
  created_at: number;
}

/** The `events` table. */
export interface EventsTable {
  id: string;
  project_id: string;
  workspace_id: string;
  user_id: string;
  kind: string;
  thread_id: string | null;
  message_id: string | null;
  run_id: string | null;
  value: number | null;
  /** JSON text. */
  props: string;
  created_at: number;
}

/** The `scores` table. */
export interface ScoresTable {
  id: string;
  project_id: string;
  workspace_id: string;
  user_id: string;
  name: string;
  data_type: 'numeric' | 'categorical' | 'boolean';
  value: number | null;
  string_value: string | null;
  comment: string | null;
  thread_id: string | null;
  message_id: string | null;
  run_id: string | null;
  created_at: number;
}

/** The runs module's tables, as Kysely sees them. */
export interface RunsDatabase {
  runs: RunsTable;
  events: EventsTable;
  scores: ScoresTable;
}
