import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely } from 'kysely';
import type { Store } from '../core/ports/store.js';
import type { CommitObserver } from './group-commit.js';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest, migrationStates, type MigrationState } from './migrations/index.js';
import { describeDatabaseError, type DatabaseSubject } from './open-errors.js';
import type { Database } from './schema.js';
import { createPostgresDialect } from './sql-dialects/postgres.js';
import { createSqliteDialect } from './sql-dialects/sqlite.js';
import { createStoreProbe, type StoreProbe } from './store-probe.js';
import { keepLiveTablesInMemory } from './sql-dialects/sqlite-live-tables.js';
import { sqlDialectOf } from './sql-dialects/sql-dialect-of.js';

/** Where the data lives (the composition root passes its `config.storage` slice). */
export interface DatabaseOptions {
  /**
   * Empty: SQLite at `sqliteFile`. `postgres://…` or `postgresql://…`: PostgreSQL.
   * Any other value is rejected.
   */
  readonly databaseUrl: string;
  /** SQLite database file, used when `databaseUrl` is empty. `:memory:` for tests. */
  readonly sqliteFile: string;
  /**
   * Reports errors raised outside any query: idle PostgreSQL connections (e.g. a server restart),
   * SQLite's checkpoint worker failing (the connection then checkpoints itself).
   */
  readonly onIdleError?: (error: unknown) => void;
  /** `databaseUrl` as error messages may show it, credentials hidden (config's `redactUrl`). Default: not shown. */
  readonly displayUrl?: string;
  /** Hears of every group-committed batch of messages (for /metrics). */
  readonly onCommit?: CommitObserver;
}

const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** Which database `options` name, as error messages show it. */
const subjectOf = (options: DatabaseOptions): DatabaseSubject =>
  (options.databaseUrl.trim() === '' ? { sqliteFile: options.sqliteFile } : { postgresUrl: options.displayUrl ?? '(URL not shown)' });

/**
 * Open a Kysely instance for the configured SQL dialect, without migrating (see `migrateDatabase`).
 * Creates the SQLite file's directory if missing. Rejects when the URL scheme is unsupported or
 * the SQLite file cannot be opened, with a one-line message naming the file; PostgreSQL
 * connection errors surface on the first query. The caller must `destroy()` the result.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Kysely<Database>> {
  const url = options.databaseUrl.trim();
  if (url === '') {
    if (options.sqliteFile === ':memory:') return new Kysely<Database>({ dialect: createSqliteDialect(':memory:') });
    try {
      // The database holds password hashes and addresses: only the server's own user may read it.
      mkdirSync(dirname(options.sqliteFile), { recursive: true, mode: 0o700 });
      const dialect = createSqliteDialect(options.sqliteFile, options.onIdleError);
      chmodSync(options.sqliteFile, 0o600); // SQLite gives its -wal and -shm files the same mode
      return new Kysely<Database>({ dialect });
    } catch (e) {
      throw describeDatabaseError(e, subjectOf(options));
    }
  }
  if (isPostgresUrl(url)) {
    const dialectOptions = options.onIdleError === undefined ? {} : { onIdleError: options.onIdleError };
    return new Kysely<Database>({ dialect: await createPostgresDialect(url, dialectOptions) });
  }
  // Never echo the URL: it may carry a password.
  throw new Error('Unsupported database URL: expected empty (SQLite) or postgres://…');
}

/**
 * Open the configured database and apply pending migrations. Rejects (after releasing the
 * connection) when the database cannot be opened, is unreachable or a migration fails, with a
 * one-line message naming the database and what is wrong (`describeDatabaseError`).
 */
async function openMigrated(options: DatabaseOptions): Promise<Kysely<Database>> {
  const db = await openDatabase(options);
  try {
    await migrateToLatest(db);
    if (sqlDialectOf(db) === 'sqlite') await keepLiveTablesInMemory(db);
  } catch (e) {
    await db.destroy().catch(() => undefined); // the original error is the one to report
    throw describeDatabaseError(e, subjectOf(options));
  }
  return db;
}

/** Open the configured database, apply pending migrations and return the Store. Rejects as `openMigrated`. */
export async function openStore(options: DatabaseOptions): Promise<Store> {
  return (await openStoreWithProbe(options)).store;
}

/** As `openStore`, with a readiness probe over the store's own connections (usable until the store closes). */
export async function openStoreWithProbe(options: DatabaseOptions): Promise<{ store: Store; probe: StoreProbe }> {
  const db = await openMigrated(options);
  return { store: createKyselyStore(db, options.onCommit), probe: createStoreProbe(db) };
}

/** Bring the configured database up to date and close it (the `migrate` command). Rejects as `openMigrated`. */
export async function migrateDatabase(options: DatabaseOptions): Promise<void> {
  await (await openMigrated(options)).destroy();
}

/**
 * Which migrations the configured database has and which are pending (`migrate --status`),
 * applying none. Rejects like `openMigrated` when the database cannot be opened or read.
 */
export async function databaseMigrationStates(options: DatabaseOptions): Promise<MigrationState[]> {
  const db = await openDatabase(options);
  try {
    return await migrationStates(db);
  } catch (e) {
    throw describeDatabaseError(e, subjectOf(options));
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
