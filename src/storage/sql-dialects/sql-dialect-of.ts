import { PostgresAdapter, SqliteAdapter, type DialectAdapter } from 'kysely';

/** The SQL dialects the store supports (STYLE.md §1: "SQL dialect" means this, never a protocol). */
export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * Which SQL dialect a Kysely instance (or transaction) talks to. Used where the SQL has to differ,
 * mainly DDL in migrations; queries stay dialect-agnostic. Throws for any other adapter.
 */
export function sqlDialectOf(db: { getExecutor(): { readonly adapter: DialectAdapter } }): SqlDialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  throw new Error(`Unsupported SQL dialect adapter: ${adapter.constructor.name}`);
}
