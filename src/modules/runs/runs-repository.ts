/**
 * The runs repository: runs, events and scores, append-only rows that the workspace owns like its
 * threads. They describe threads of the threads module, so they follow them: deleted with their
 * thread, moved with their workspace on a claim, inside the threads module's own transaction
 * (`deleteForThread`, `moveWorkspace`; the threads module calls them through its ThreadFollower port).
 */
import type { Transaction } from 'kysely';
import { createId } from '../../crypto/random-id.js';
import { writeJson } from '../../store/rows.js';
import type { StoreContext } from '../../store/store-context.js';
import type { EventsTable, RunsDatabase, ScoresTable } from './runs-tables.js';
import type { NewEvent, NewRun, NewScore, ScoreRecord } from './runs-types.js';

export interface RunsRepository {
  createRun(input: NewRun): Promise<{ id: string }>;
  createEvents(projectId: string, workspaceId: string, userId: string, events: readonly NewEvent[]): Promise<number>;
  createScore(input: NewScore): Promise<ScoreRecord>;
  /** How many runs, events and scores the workspace holds (for one thread when given). */
  countTelemetry(projectId: string, workspaceId: string, threadId?: string): Promise<{ runs: number; events: number; scores: number }>;
  /** Deletes the telemetry of a thread, within `trx` (the transaction that deletes the thread). */
  deleteForThread(trx: Transaction<any>, projectId: string, threadId: string): Promise<void>;
  /** Moves every run, event and score of one workspace into another, within `trx` (the claim's). */
  moveWorkspace(trx: Transaction<any>, projectId: string, fromWorkspaceId: string, toWorkspaceId: string): Promise<void>;
}

const TABLES = ['runs', 'events', 'scores'] as const;

/** Rows per INSERT: 11 columns × 500 stays far below SQLite's 32766 bound parameters. */
const EVENTS_PER_STATEMENT = 500;

/**
 * @example
 * const runs = createRunsRepository(storeContextOf<RunsDatabase>(store))
 */
export function createRunsRepository(ctx: StoreContext<RunsDatabase>): RunsRepository {
  const { db } = ctx;
  return {
    async createRun(input) {
      const now = ctx.clock();
      const id = createId('run', now);
      await db
        .insertInto('runs')
        .values({
          id,
          project_id: input.projectId,
          workspace_id: input.workspaceId,
          user_id: input.userId,
          thread_id: input.threadId,
          status: input.status,
          report: writeJson(input.report),
          created_at: now,
        })
        .execute();
      return { id };
    },

    async createEvents(projectId, workspaceId, userId, events) {
      if (events.length === 0) return 0;
      const now = ctx.clock();
      const rows: EventsTable[] = events.map((event) => ({
        id: createId('event', now),
        project_id: projectId,
        workspace_id: workspaceId,
        user_id: userId,
        kind: event.kind,
        thread_id: event.threadId,
        message_id: event.messageId,
        run_id: event.runId,
        value: event.value,
        props: writeJson(event.props),
        created_at: now,
      }));
      // One transaction: a batch is accepted whole or not at all.
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += EVENTS_PER_STATEMENT) {
          await trx.insertInto('events').values(rows.slice(i, i + EVENTS_PER_STATEMENT)).execute();
        }
      });
      return rows.length;
    },

    async createScore(input) {
      const now = ctx.clock();
      const row: ScoresTable = {
        id: createId('score', now),
        project_id: input.projectId,
        workspace_id: input.workspaceId,
        user_id: input.userId,
        name: input.name,
        data_type: input.dataType,
        value: input.value,
        string_value: input.stringValue,
        comment: input.comment,
        thread_id: input.threadId,
        message_id: input.messageId,
        run_id: input.runId,
        created_at: now,
      };
      await db.insertInto('scores').values(row).execute();
      return { ...input, id: row.id, createdAt: now };
    },

    async countTelemetry(projectId, workspaceId, threadId) {
      const counts = { runs: 0, events: 0, scores: 0 };
      for (const table of TABLES) {
        let query = db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
          .where('project_id', '=', projectId)
          .where('workspace_id', '=', workspaceId);
        if (threadId !== undefined) query = query.where('thread_id', '=', threadId);
        counts[table] = Number((await query.executeTakeFirstOrThrow()).n);
      }
      return counts;
    },

    async deleteForThread(trx, projectId, threadId) {
      // A deleted conversation's run reports, events and scores go with it: they describe it.
      const own = trx as Transaction<RunsDatabase>;
      for (const table of TABLES) {
        await own.deleteFrom(table).where('project_id', '=', projectId).where('thread_id', '=', threadId).execute();
      }
    },

    async moveWorkspace(trx, projectId, fromWorkspaceId, toWorkspaceId) {
      // The telemetry of the claimed identity belongs to the same workspace as its threads.
      const own = trx as Transaction<RunsDatabase>;
      for (const table of TABLES) {
        await own
          .updateTable(table)
          .set({ workspace_id: toWorkspaceId })
          .where('project_id', '=', projectId)
          .where('workspace_id', '=', fromWorkspaceId)
          .execute();
      }
    },
  };
}
