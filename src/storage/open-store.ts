import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely } from 'kysely';
import type { Store } from '../core/ports/store.js';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import { createPostgresDialect } from './sql-dialects/postgres.js';
import { createSqliteDialect } from './sql-dialects/sqlite.js';

/** Where the data lives (the composition root passes its `config.storage` slice). */
export interface DatabaseOptions {
  /**
   * Empty: SQLite at `sqliteFile`. `postgres://…` or `postgresql://…`: PostgreSQL.
   * Any other value is rejected.
   */
  readonly databaseUrl: string;
  /** SQLite database file, used when `databaseUrl` is empty. `:memory:` for tests. */
  readonly sqliteFile: string;
  /** Reports errors of idle PostgreSQL connections (e.g. a server restart), which pg raises outside any query. */
  readonly onIdleError?: (error: unknown) => void;
}

const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/**
 * Open a Kysely instance for the configured SQL dialect, without migrating (the `migrate` CLI
 * command pairs this with `migrateToLatest`). Creates the SQLite file's directory if missing.
 * Rejects when the URL scheme is unsupported or the SQLite file cannot be opened; PostgreSQL
 * connection errors surface on the first query. The caller must `destroy()` the result.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Kysely<Database>> {
  const url = options.databaseUrl.trim();
  if (url === '') {
    if (options.sqliteFile === ':memory:') return new Kysely<Database>({ dialect: createSqliteDialect(':memory:') });
    // The database holds password hashes and addresses: only the server's own user may read it.
    mkdirSync(dirname(options.sqliteFile), { recursive: true, mode: 0o700 });
    const dialect = createSqliteDialect(options.sqliteFile);
    chmodSync(options.sqliteFile, 0o600); // SQLite gives its -wal and -shm files the same mode
    return new Kysely<Database>({ dialect });
  }
  if (isPostgresUrl(url)) {
    const dialectOptions = options.onIdleError === undefined ? {} : { onIdleError: options.onIdleError };
    return new Kysely<Database>({ dialect: await createPostgresDialect(url, dialectOptions) });
  }
  // Never echo the URL: it may carry a password.
  throw new Error('Unsupported database URL: expected empty (SQLite) or postgres://…');
}

/**
 * Open the configured database, apply pending migrations and return the Store. Rejects (after
 * releasing the connection) when the database is unreachable or a migration fails.
 */
export async function openStore(options: DatabaseOptions): Promise<Store> {
  const db = await openDatabase(options);
  try {
    await migrateToLatest(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return createKyselyStore(db);
}
