import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect } from 'kysely';

/**
 * A Kysely dialect over one better-sqlite3 connection to `file` (`:memory:` for tests).
 * Throws when the file cannot be opened. Kysely serialises all queries on that connection, which
 * is why message inserts are group-committed (storage/group-commit.ts).
 */
export function createSqliteDialect(file: string): SqliteDialect {
  const database = new BetterSqlite3(file);
  // WAL lets readers proceed while a writer commits; FULL keeps each commit durable across power
  // loss (group commit amortises the fsync); foreign keys are off by default in SQLite; the busy
  // timeout covers a second process (e.g. the CLI) holding the write lock briefly.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database });
}
