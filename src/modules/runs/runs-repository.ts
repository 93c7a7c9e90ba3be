/** Runs, events and scores: append-only rows that the workspace owns like its threads. */
import { createId } from '../crypto/random-id.js';
import type { EventsTable, ScoresTable } from './database.js';
import { writeJson } from './rows.js';
import type { StoreContext } from './store-context.js';
import type { Store } from './store.js';

export type TelemetryMethods = Pick<Store, 'createRun' | 'createEvents' | 'createScore' | 'countTelemetry'>;

/** Rows per INSERT: 11 columns × 500 stays far below SQLite's 32766 bound parameters. */
const EVENTS_PER_STATEMENT = 500;

/** The telemetry methods of the store, over `ctx.db`. */
export function telemetryMethods(ctx: StoreContext): TelemetryMethods {
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
      for (const table of ['runs', 'events', 'scores'] as const) {
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
  };
}
