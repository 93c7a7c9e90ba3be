/**
 * The store suite on PostgreSQL at TEST_POSTGRES_URL, in a fresh schema per run that is dropped at
 * the end, plus what only PostgreSQL needs checking (parallel migrations, schema isolation).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { serviceUrl } from '../../helpers/services.js';
import { runStoreCases } from '../store-cases.js';
import { capturePlanQuery, PLAN_DATA, QUERY_PLANS } from '../query-plans.js';
import type { CompiledQuery } from 'kysely';
import type { Store } from '../../../src/store/store.js';
import type { Thread } from '../../../src/modules/threads/threads-types.js';
import { createThreadsModule } from '../../../src/modules/threads/index.js';

const url = serviceUrl('TEST_POSTGRES_URL');

if (url !== undefined) {
  const schemas: string[] = [];
  const freshSchema = (label: string) => {
    const name = `tg_${label}_${randomBytes(5).toString('hex')}`;
    schemas.push(name);
    return name;
  };
  const admin = new pg.Client({ connectionString: url });
  const connected = admin.connect();
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    await connected;
    return (await admin.query<R>(text, values)).rows;
  };

  after(async () => {
    try {
      for (const schema of schemas) await query(`drop schema if exists ${schema} cascade`);
    } finally {
      await admin.end();
    }
  });

  const schema = freshSchema('store');
  runStoreCases(
    'postgres',
    async (deps) => {
      const store = createPostgresStore({ url, schema }, deps);
      await store.migrate();
      return store;
    },
    {
      async countRows(table, projectId) {
        const rows = await query<{ n: number }>(`select count(*)::int as n from ${schema}."${table}" where project_id = $1`, [projectId]);
        return rows[0]!.n;
      },
    },
  );

  describe('postgres store', () => {
    it('two migrate() calls in parallel on one fresh schema both succeed, and each migration runs once', async () => {
      for (let round = 0; round < 3; round++) {
        const fresh = freshSchema('parallel');
        // Two pools: two processes' worth of connections racing to create the schema and the tables.
        const stores: Store[] = [createPostgresStore({ url, schema: fresh }), createPostgresStore({ url, schema: fresh })];
        try {
          await Promise.all(stores.map((store) => store.migrate()));
          const names = await query<{ name: string }>(`select name from ${fresh}.kysely_migration order by name`);
          assert.deepEqual(names.map((row) => row.name), Object.keys(MIGRATIONS));
          await stores[1]!.migrate();
          const [first, second] = stores.map((store) => createThreadsModule({ store, clock: Date.now }).threads);
          const thread: Thread = await first!.createThread({ projectId: 'p', workspaceId: 'w', title: 't', lastMessageAt: 1, metadata: null, externalId: null });
          assert.equal((await second!.getThread('p', 'w', thread.id))?.id, thread.id);
        } finally {
          await Promise.all(stores.map((store) => store.close()));
        }
      }
    });

    it('keeps every table in its own schema, and reads bigint times back as numbers', async () => {
      const tables = await query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 order by table_name',
        [schema],
      );
      assert.deepEqual(
        tables.map((row) => row.table_name),
        ['agent_runs', 'agents', 'api_keys', 'audit_events', 'auth_keys', 'auth_rules', 'events', 'kysely_migration', 'kysely_migration_lock', 'memories', 'message_feedback', 'messages', 'model_providers', 'refresh_families', 'refresh_tokens', 'runs', 'scores', 'settings', 'signing_keys', 'threads', 'users'],
      );
      const store = createPostgresStore({ url, schema });
      try {
        const { threads } = createThreadsModule({ store, clock: Date.now });
        const thread = await threads.createThread({ projectId: 'p', workspaceId: 'w', title: 't', lastMessageAt: 1_700_000_000_123, metadata: null, externalId: null });
        const read = await threads.getThread('p', 'w', thread.id);
        assert.equal(read?.lastMessageAt, 1_700_000_000_123);
        assert.equal(typeof read?.createdAt, 'number');
      } finally {
        await store.close();
      }
    });

    it('a leased write that read the lease running, then waited for the row, is refused once an end commits first', async () => {
      // Deterministic interleaving: another connection holds the message row, the store's write
      // reads the lease running and blocks on the row, the other connection ends the lease and
      // commits. A read-then-write would now overwrite an ended run; the conditional UPDATE sees
      // the end when PostgreSQL re-checks its WHERE on the row, and writes nothing.
      const store = createPostgresStore({ url, schema });
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        const { threads, messages } = createThreadsModule({ store, clock: Date.now });
        const thread = await threads.createThread({ projectId: 'p', workspaceId: 'w', title: 't', lastMessageAt: 1, metadata: null, externalId: null });
        const appended = await messages.appendMessage({ projectId: 'p', workspaceId: 'w', threadId: thread.id, parentId: null, format: 'f', content: { text: 'running' }, externalId: null, openRun: true });
        assert.ok(appended.ok && appended.message.run !== undefined);
        const { id, run } = appended.message;
        const otherPid = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        await other.query('begin');
        await other.query(`select id from ${schema}.messages where id = $1 for update`, [id]);
        const write = messages.updateMessage('p', thread.id, id, { text: 'late' }, run!.leaseId);
        // Wait (no time limit but the test's) until the store's UPDATE waits on our row lock.
        for (;;) {
          const blocked = await query<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [otherPid]);
          if (blocked[0]!.n > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await other.query(`update ${schema}.messages set run_ended_at = 1, run_end_reason = 'cancelled' where id = $1`, [id]);
        await other.query('commit');
        assert.equal(await write, 'run_ended');
        const stored = await messages.getMessage('p', thread.id, id);
        assert.deepEqual(stored?.content, { text: 'running' });
        assert.equal(stored?.run?.endReason, 'cancelled');
      } finally {
        await other.end();
        await store.close();
      }
    });

    it('refuses a schema name that would need quoting', () => {
      for (const bad of ['Public', 'a-b', 'x; drop table threads', '', '1abc']) {
        assert.throws(() => createPostgresStore({ url, schema: bad }), TypeError, bad);
      }
    });
  
    describe('query plans of the store\'s own queries', () => {
      const planSchema = freshSchema('plans');
      const captured: CompiledQuery[] = [];
      let planStore: Store | undefined;
      /**
       * A store over PLAN_DATA (query-plans.ts), handing over every query it runs. A project of
       * many workspaces, analyzed, gives the planner the statistics a real project has: without
       * them a workspace's list and the project-wide list cost the same through either thread
       * index, and the tie falls either way.
       */
      async function storeWithPlanData(): Promise<Store> {
        if (planStore !== undefined) return planStore;
        const store = createPostgresStore({ url: url!, schema: planSchema }, { onQuery: (event) => captured.push(event.query) });
        await store.migrate();
        const { projectId, workspaceId, threadId, rows } = PLAN_DATA;
        await query(
          `insert into ${planSchema}.threads (id, project_id, workspace_id, title, last_message_at, metadata, is_archived, created_at, updated_at)
           values ($1, $2, $3, '', 0, 'null', 0, 0, 0)`,
          [threadId, projectId, workspaceId],
        );
        await query(
          `insert into ${planSchema}.threads (id, project_id, workspace_id, title, last_message_at, metadata, is_archived, created_at, updated_at)
           select 'plan_' || i, $1, case when i % 40 = 0 then $2 else $2 || (i % 40) end, '', i, 'null', i % 2, i, i
           from generate_series(1, ${rows}) as i`,
          [projectId, workspaceId],
        );
        await query(
          `insert into ${planSchema}.messages (id, project_id, thread_id, parent_id, height, format, content, created_at, updated_at, run_lease_id)
           select 'plan_' || i, $1, $2, null, 0, 'f', '{}', i, i, case when i % 2 = 0 then 'lease_' || i end
           from generate_series(1, ${rows}) as i`,
          [projectId, threadId],
        );
        await query(`analyze ${planSchema}.threads`);
        await query(`analyze ${planSchema}.messages`);
        planStore = store;
        return store;
      }
      after(() => planStore?.close());

      for (const plan of QUERY_PLANS) {
        it(`reads ${plan.what} through ${plan.index}, in order, with no sort`, async () => {
          const compiled = await capturePlanQuery(await storeWithPlanData(), captured, plan);
          // The test tables are small, so the planner would rightly prefer a sequential scan and a
          // sort; taking both options away shows whether an index can serve the query in order.
          await query('begin');
          try {
            await query(`set local search_path to ${planSchema}`);
            await query('set local enable_seqscan = off');
            await query('set local enable_sort = off');
            const rows = await query<{ 'QUERY PLAN': string }>(`explain ${compiled.sql}`, [...compiled.parameters]);
            const text = rows.map((row) => row['QUERY PLAN']).join('\n');
            assert.match(text, new RegExp(`Index (Only )?Scan( Backward)? using ${plan.index} `), `${compiled.sql}\n${text}`);
            assert.doesNotMatch(text, /\bSort\b/, `${compiled.sql}\n${text}`);
          } finally {
            await query('rollback');
          }
        });
      }
    });
  });
}
