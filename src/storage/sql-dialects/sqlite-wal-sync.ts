import { open } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import { withLazyFlush } from '../lazy-flush.js';
import type { Database } from '../schema.js';
import { sqlDialectOf } from './sql-dialect-of.js';

/** Each SQLite Kysely instance's log file ('' for an in-memory database). */
const walFiles = new WeakMap<Kysely<Database>, Promise<string>>();

function walFileOf(db: Kysely<Database>): Promise<string> {
  let file = walFiles.get(db);
  if (!file) {
    file = sql<{ name: string; file: string }>`pragma database_list`.execute(db).then(({ rows }) => {
      const main = rows.find((r) => r.name === 'main')?.file ?? '';
      return main === '' ? '' : `${main}-wal`;
    });
    walFiles.set(db, file);
  }
  return file;
}

/**
 * Commit `write` durably without holding the event loop for the flush. On SQLite the commit runs
 * with `synchronous = NORMAL` (lazy-flush.ts: no fsync inside the commit, which better-sqlite3
 * would run on the main thread), then the log file is fdatasync'ed (as SQLite itself does)
 * through libuv's thread pool before this resolves: what `synchronous = FULL` does at commit,
 * done off the loop. The commit is durable once this resolves, and nothing is acknowledged
 * before. A flush stuck behind other disk writes (a checkpoint) then delays only the writes
 * waiting for it, not every socket. On PostgreSQL the commit is an ordinary one (its flush never
 * blocks this process).
 */
export async function commitSyncedOffLoop<T>(db: Kysely<Database>, write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (sqlDialectOf(db) === 'postgres') return write(db);
  const wal = await walFileOf(db);
  if (wal === '') return write(db);
  const result = await withLazyFlush(db, write);
  const handle = await open(wal, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return result;
}
