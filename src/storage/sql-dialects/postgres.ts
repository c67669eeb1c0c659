import { PostgresDialect } from 'kysely';

/** OID of PostgreSQL's int8 (bigint) type. */
const INT8_OID = 20;

/** Options for {@link createPostgresDialect}. */
export interface PostgresDialectOptions {
  /** Maximum pooled connections. Default 10. */
  readonly maxConnections?: number;
  /**
   * Called when an idle pooled connection fails (e.g. the server restarted). The pool discards
   * that connection by itself; without a listener the error would crash the process.
   */
  readonly onIdleError?: (error: unknown) => void;
}

/**
 * A Kysely dialect over a `pg` pool for `url` (`postgres://…`). `pg` is imported here on demand
 * so a SQLite-only install never loads it (STYLE.md §8). Connections are opened lazily, so a bad
 * URL surfaces on the first query.
 */
export async function createPostgresDialect(url: string, options: PostgresDialectOptions = {}): Promise<PostgresDialect> {
  const { default: pg } = await import('pg');
  // bigint columns (ids, Unix-millisecond timestamps, count(*)) arrive as strings by default.
  // They stay below 2^53, so parse them into numbers. Set on this pool's own `types`, not on the
  // process-global registry, so other pg users in the process are unaffected.
  const parseInt8 = (value: string): number => Number(value);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', options.onIdleError ?? (() => undefined));
  return new PostgresDialect({ pool });
}
