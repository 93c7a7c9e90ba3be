/**
 * A Kysely query compiled once and run many times with new parameter values.
 *
 * Building a query with Kysely makes an immutable tree (frozen at every step) and compiling it
 * walks that tree into SQL text; for a hot path that is the same work on every request. Kysely can
 * run an already compiled query (`executeQuery(compiledQuery)`, "splitting build, compile and
 * execute" in its recipes), so we compile once with named placeholders as values, note which
 * parameter slot takes which name, and on each run hand the driver the same SQL with the slots
 * filled in. Nothing counts `$n` or `?` positions by hand: the slot order is whatever Kysely's
 * compiler produced, read back from the placeholders it bound.
 *
 * What this does not do (and what to keep out of a prepared query):
 * - A value that changes the *shape* of the SQL when Kysely builds it cannot be a parameter:
 *   `undefined` (Kysely drops the column or condition), `null` after `is`, an array after `in`.
 *   `undefined` is refused at run time; the others are the caller's to avoid.
 * - Plugins: their `transformQuery` runs once, at compile time, and every run reuses that
 *   compile's `queryId`; their `transformResult` still runs on every result (Kysely's executor
 *   applies it to any compiled query). The store uses no plugin.
 * - It does not check that the executor passed to `execute` is a transaction of (or is) the Kysely
 *   instance the query was compiled with; another dialect's instance would get the wrong SQL.
 */
import { type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';

/**
 * Stands in for a parameter while the query is built. It is an object, not a string or number, so
 * it can never equal a constant of the query, and any attempt to use it as a primitive (string
 * concatenation, arithmetic, `sql.raw`, `sql.lit`) throws instead of baking a wrong value in.
 */
class Placeholder {
  constructor(readonly name: string) {
    Object.freeze(this);
  }

  [Symbol.toPrimitive](): never {
    throw new TypeError(
      `prepareQuery: parameter "${this.name}" was used as a primitive while building the query; pass it to Kysely as a value`,
    );
  }
}

/** The parameters object handed to the builder: each property read gives that name's placeholder. */
function placeholders(read: Set<string>): object {
  const misuse = (): never => {
    throw new TypeError('prepareQuery: read each parameter by name; the parameters object cannot be enumerated, spread or tested');
  };
  return new Proxy(Object.freeze({}), {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      read.add(name);
      return new Placeholder(name);
    },
    has: misuse,
    ownKeys: misuse,
    getOwnPropertyDescriptor: misuse,
    set: misuse,
    defineProperty: misuse,
    deleteProperty: misuse,
  });
}

/** A query compiled once; `P` names its parameters, `R` its result rows. */
export interface PreparedQuery<P extends object, R> {
  /** The SQL text, the same on every run. */
  readonly sql: string;
  /**
   * For each bound slot, in Kysely's order: the name of the parameter it takes, or `undefined`
   * for a constant compiled into the query (e.g. a `limit(1)`).
   */
  readonly slots: readonly (keyof P & string | undefined)[];
  /** The compiled query with `params` in its slots; a new object and parameter list every call. */
  compile(params: P): CompiledQuery<R>;
  /** Runs the query on `executor` (the Kysely instance it was compiled with, or one of its transactions). */
  execute(executor: Kysely<any>, params: P): Promise<QueryResult<R>>;
}

/**
 * Builds a query with placeholders for `P`'s properties, compiles it once, and returns a
 * `PreparedQuery` that runs that SQL with new values. Type the builder's parameter: `P` is taken
 * from it. Every parameter the builder reads must end up bound (else `TypeError`), and a
 * parameter may be bound several times.
 *
 * @example
 * const touchThread = prepareQuery((p: { now: number; threadId: string }) =>
 *   db.updateTable('threads').set({ updated_at: p.now }).where('id', '=', p.threadId).returning('id'),
 * )
 * const { rows } = await touchThread.execute(trx, { now: Date.now(), threadId })
 */
export function prepareQuery<P extends object, R>(build: (params: P) => Compilable<R>): PreparedQuery<P, R> {
  const read = new Set<string>();
  const compiled = build(placeholders(read) as P).compile();
  const slots: (keyof P & string | undefined)[] = [];
  const constants: unknown[] = [];
  for (const parameter of compiled.parameters) {
    const isPlaceholder = parameter instanceof Placeholder;
    slots.push(isPlaceholder ? (parameter.name as keyof P & string) : undefined);
    constants.push(isPlaceholder ? undefined : parameter);
  }
  for (const name of read) {
    if (!slots.includes(name as keyof P & string)) {
      throw new TypeError(`prepareQuery: parameter "${name}" was read but Kysely bound it to no slot of: ${compiled.sql}`);
    }
  }
  const { sql, query, queryId } = compiled;
  Object.freeze(slots);

  function compile(params: P): CompiledQuery<R> {
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const name = slots[i];
      if (name === undefined) {
        parameters[i] = constants[i];
        continue;
      }
      const value = params[name];
      // Kysely would have built another query for an undefined value (see the file comment).
      if (value === undefined) throw new TypeError(`prepareQuery: parameter "${name}" is undefined`);
      parameters[i] = value;
    }
    return Object.freeze({ sql, query, queryId, parameters });
  }

  return Object.freeze({
    sql,
    slots,
    compile,
    execute: (executor: Kysely<any>, params: P) => executor.executeQuery(compile(params)),
  });
}
