/**
 * The runs module's repository on SQLite and on PostgreSQL at TEST_POSTGRES_URL: telemetry rows,
 * batches larger than one statement binds. What follows threads (deleted with them, moved by a
 * claim) is checked with the threads module's suite (test/modules/threads/threads-cases.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createId } from '../../../src/crypto/random-id.js';
import { createRunsRepository, type RunsRepository } from '../../../src/modules/runs/runs-repository.js';
import type { RunsDatabase } from '../../../src/modules/runs/runs-tables.js';
import { storeContextOf } from '../../../src/store/kysely-store.js';
import type { Store } from '../../../src/store/store.js';
import { countRows, forEachDatabase } from '../../helpers/module-databases.js';

const scope = () => ({ projectId: createId('proj'), workspaceId: createId('ws') });

forEachDatabase('runs', (name, makeStore) => {
  describe(`runs repository (${name})`, () => {
    const clock = { now: 1_700_000_000_000 };
    let store: Store | undefined;
    let ctx: { runs: RunsRepository; clock: typeof clock; count(table: string, projectId: string): Promise<number> } | undefined;
    const get = () => ctx!;
    before(async () => {
      store = await makeStore({ clock: () => clock.now });
      const opened = store;
      ctx = { runs: createRunsRepository(storeContextOf<RunsDatabase>(opened)), clock, count: (table, projectId) => countRows(opened, table, projectId) };
    });
    after(async () => store?.close());

    describe('telemetry', () => {
      it('createRun, createEvents (in batches) and createScore store their rows', async () => {
        const { runs, clock, count } = get();
        const where = scope();
        const run = await runs.createRun({ ...where, userId: 'u', threadId: null, status: 'completed', report: { steps: [1, 2] } });
        assert.match(run.id, /^run_/);
        assert.equal(await count('runs', where.projectId), 1);
        assert.equal(await runs.createEvents(where.projectId, where.workspaceId, 'u', []), 0);
        const events = Array.from({ length: 1203 }, (_, i) => ({ kind: 'k', threadId: null, messageId: null, runId: run.id, value: i / 2, props: { i } }));
        assert.equal(await runs.createEvents(where.projectId, where.workspaceId, 'u', events), 1203);
        assert.equal(await count('events', where.projectId), 1203);
        const input = { ...where, userId: 'u', name: 'helpful', dataType: 'numeric' as const, value: 0.25, stringValue: null, comment: 'ok', threadId: 't', messageId: null, runId: run.id };
        const score = await runs.createScore(input);
        assert.deepEqual(score, { ...input, id: score.id, createdAt: clock.now });
        assert.equal(await count('scores', where.projectId), 1);
      });
    });
  });
});
