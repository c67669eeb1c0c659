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

/** A commit that has been written; `durable` settles once it has reached the disk. */
export interface Written<T> {
  readonly value: T;
  readonly durable: Promise<void>;
}

const ALREADY_DURABLE: Promise<void> = Promise.resolve();

/**
 * Commit `write`, resolving as soon as it is committed, with a `durable` promise that settles
 * once the commit is on the disk. On SQLite the commit runs with `synchronous = NORMAL`
 * (lazy-flush.ts: no fsync inside the commit, which better-sqlite3 would run on the main thread),
 * then the log file is fdatasync'ed (as SQLite itself does) through libuv's thread pool: what
 * `synchronous = FULL` does at commit, done off the loop. A flush stuck behind other disk writes (a
 * checkpoint) then delays only the writes waiting for it, not every socket. On PostgreSQL the
 * commit is an ordinary one (durable when it resolves; its flush never blocks this process).
 * Nothing may be acknowledged before `durable` has resolved.
 */
export async function commitThenSync<T>(db: Kysely<Database>, write: (db: Kysely<Database>) => Promise<T>): Promise<Written<T>> {
  if (sqlDialectOf(db) === 'postgres') return { value: await write(db), durable: ALREADY_DURABLE };
  const wal = await walFileOf(db);
  if (wal === '') return { value: await write(db), durable: ALREADY_DURABLE };
  const value = await withLazyFlush(db, write);
  const durable = datasync(wal);
  // Whoever acknowledges awaits it; until then a failed flush is not an unhandled rejection.
  durable.catch(() => undefined);
  return { value, durable };
}

/** {@link commitThenSync}, resolving once the commit is durable. */
export async function commitSyncedOffLoop<T>(db: Kysely<Database>, write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const { value, durable } = await commitThenSync(db, write);
  await durable;
  return value;
}

async function datasync(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
