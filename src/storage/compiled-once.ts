import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { sqlDialectOf, type SqlDialectName } from './sql-dialects/sql-dialect-of.js';

/** Where a call's argument goes in a query compiled once; never sent to the database. */
class Slot {
  constructor(readonly index: number) {}
}

interface Compiled {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * A query whose SQL is built and compiled once per SQL dialect, on its first call there, instead
 * of on every call: `build` is given stand-ins for the arguments, and each call runs the same SQL
 * with its own arguments in their places (Kysely builds and compiles a query anew each time, a
 * measurable share of a hot path's CPU). Only for queries whose shape does not depend on the
 * arguments' values: no clause added or left out by an argument, no `in` list of varying length,
 * no argument computed on (that one is refused when the query is compiled).
 */
export function compiledOnce<A extends readonly unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>): (db: Kysely<Database>, ...args: A) => Promise<R[]> {
  const byDialect = new Map<SqlDialectName, Compiled>();
  const compile = (db: Kysely<Database>, arity: number): Compiled => {
    const slots = Array.from({ length: arity }, (_, i) => new Slot(i)) as unknown as A;
    const query = build(db, ...slots).compile();
    const used = new Set(query.parameters.filter((p): p is Slot => p instanceof Slot).map((p) => p.index));
    for (let i = 0; i < arity; i++) {
      if (!used.has(i)) throw new Error(`compiledOnce: argument ${i} is not a parameter of ${query.sql}`);
    }
    return { sql: query.sql, parameters: query.parameters };
  };
  return async (db, ...args) => {
    const dialect = sqlDialectOf(db);
    let compiled = byDialect.get(dialect);
    if (compiled === undefined) byDialect.set(dialect, (compiled = compile(db, args.length)));
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    const { rows } = await db.executeQuery<R>(CompiledQuery.raw(compiled.sql, parameters));
    return rows;
  };
}
