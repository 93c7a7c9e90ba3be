/**
 * One suite for every Store implementation (hono's router/common.case.test.ts pattern). The SQLite
 * and PostgreSQL test files call `runStoreCases` with a way to open a store on their database.
 *
 * Every test makes its own project and workspace ids, so tests share one database without seeing
 * each other; only signing keys and settings are server-wide (see store-cases-auth.ts).
 */
import { after, before, describe } from 'node:test';
import type { StoreDeps } from '../../src/store/store-context.js';
import type { Store } from '../../src/store/store.js';
import { withRepositories, type TestStore } from '../fixtures/temp-store.js';
import { countRows } from '../helpers/module-databases.js';
import { createId } from '../../src/crypto/random-id.js';
import { authCases } from './store-cases-auth.js';
import { userRevocationCases } from './store-cases-user-revocation.js';

/** Opens a migrated store on the run's database; called twice, two connections to one database (two processes). */
export type MakeStore = (deps?: StoreDeps) => Promise<Store>;

export interface StoreCaseExtras {
  /**
   * Rows of `table` with this `project_id`, read past the Store, to see what its API cannot
   * (feedback left behind by a delete).
   */
  countRows(table: string, projectId: string): Promise<number>;
}

/** A clock the suite moves by hand, so ties in time are made on purpose. */
export interface FakeClock {
  now: number;
}

export interface CaseContext {
  /**
   * The store under test, on the fake clock, joined with the credentials-admin repository over
   * the same database (their suites run with this context too:
   * test/fixtures/repository-cases.ts).
   */
  store: TestStore;
  /** A second store on the same database, as another process would have. */
  peer: TestStore;
  clock: FakeClock;
  extras: StoreCaseExtras;
}

/** A fresh project and workspace: nothing else in the database belongs to them. */
export function scope() {
  return { projectId: createId('proj'), workspaceId: createId('ws') };
}

/**
 * Runs cases written against `CaseContext` on one database: two connections (the second plays
 * another process), each joined with the modules' repositories, on a clock the cases move by hand.
 * The store suite and the modules' repository suites (through forEachDatabase,
 * test/helpers/module-databases.ts) both run on it.
 *
 * @example
 * forEachDatabase('credentials', (name, makeStore) => runCaseSuite(`credentials repository (${name})`, makeStore, [apiKeyCases]))
 */
export function runCaseSuite(
  title: string,
  makeStore: MakeStore,
  cases: ReadonlyArray<(get: () => CaseContext) => void>,
  extras?: StoreCaseExtras,
): void {
  describe(title, () => {
    const clock: FakeClock = { now: 1_700_000_000_000 };
    let ctx: CaseContext | undefined;
    const get = (): CaseContext => {
      if (ctx === undefined) throw new Error('store cases: before() did not run');
      return ctx;
    };

    before(async () => {
      const store = withRepositories(await makeStore({ clock: () => clock.now }), () => clock.now);
      const peer = withRepositories(await makeStore({ clock: () => clock.now }), () => clock.now);
      ctx = { store, peer, clock, extras: extras ?? { countRows: (table, projectId) => countRows(store, table, projectId) } };
    });

    after(async () => {
      await ctx?.store.close();
      await ctx?.peer.close();
    });

    for (const register of cases) register(get);
  });
}

export function runStoreCases(name: string, makeStore: MakeStore, extras: StoreCaseExtras): void {
  runCaseSuite(`store (${name})`, makeStore, [authCases, userRevocationCases], extras);
}
