import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDatabase, type SqliteDialectConfig, type SqliteStatement } from 'kysely';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';

/** Prepared statements kept per connection; Kysely re-prepares every query otherwise. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * A Kysely dialect over one better-sqlite3 connection to `file` (`:memory:` for tests).
 * Throws when the file cannot be opened. All queries share that connection, which is why message
 * inserts are group-committed (storage/group-commit.ts). A file database's log is checkpointed by
 * a worker thread (sqlite-checkpointer.ts); `onError` hears if that worker fails, after which
 * this connection checkpoints again itself.
 */
export function createSqliteDialect(file: string, onError?: (error: unknown) => void): SqliteDialect {
  const database = new BetterSqlite3(file);
  // WAL lets readers proceed while a writer commits; FULL keeps each commit durable across power
  // loss (group commit amortises the fsync); foreign keys are off by default in SQLite; the busy
  // timeout covers a second process (e.g. the CLI) holding the write lock briefly.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  let checkpointer: Checkpointer | null = null;
  if (file !== ':memory:' && file !== '') {
    database.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(file, (error) => {
      if (database.open) database.pragma('wal_autocheckpoint = 1000'); // SQLite's default
      onError?.(error);
    });
  }
  return new FifoSqliteDialect({ database: withStatementCache(database) }, checkpointer);
}

/** Reuse prepared statements by SQL text (least recently used dropped first). */
function withStatementCache(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => void db.close(),
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql); // re-insert below: Map order is recency order
      } else {
        stmt = db.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/**
 * Kysely's SQLite driver hands its one connection over with a mutex that wakes every waiter on
 * each release, so queueing costs grow with the square of the queue under load (measured: 256
 * concurrent sends ran at half the rate of one). This queue wakes exactly the next waiter, in
 * arrival order; the inner mutex is then never contended.
 *
 * Each query also waits for the event loop's next turn first. better-sqlite3 is synchronous, so
 * a chain of awaited queries (a login's two dozen) would otherwise run start to end in one go,
 * and a burst of logins would hold back every chat frame behind them; this way frames are read
 * between any two queries (bench:barertc's join storm: lobby p99 ~120–300 ms → ~75–150 ms).
 */
class FifoSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #checkpointer: Checkpointer | null;
  constructor(config: SqliteDialectConfig, checkpointer: Checkpointer | null) {
    super(config);
    this.#config = config;
    this.#checkpointer = checkpointer;
  }
  override createDriver(): Driver {
    return new FifoSqliteDriver(this.#config, this.#checkpointer);
  }
}

class FifoSqliteDriver extends SqliteDriver {
  #locked = false;
  readonly #waiters: (() => void)[] = [];
  readonly #checkpointer: Checkpointer | null;

  constructor(config: SqliteDialectConfig, checkpointer: Checkpointer | null) {
    super(config);
    this.#checkpointer = checkpointer;
  }

  /** The worker stops first; closing this connection then checkpoints what is left and removes the log. */
  override async destroy(): Promise<void> {
    await this.#checkpointer?.stop();
    await super.destroy();
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await new Promise<void>((resolve) => setImmediate(resolve)); // let I/O in (see above)
    if (this.#locked) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    else this.#locked = true;
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    const next = this.#waiters.shift();
    if (next) next(); // the lock passes straight to the next waiter
    else this.#locked = false;
  }
}
