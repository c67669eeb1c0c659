import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { sqlDialectOf } from './sql-dialects/sql-dialect-of.js';

/**
 * Run `write` as a commit that does not wait for the disk: SQLite's `synchronous = NORMAL` for
 * that one commit (the connection is FULL otherwise), PostgreSQL's `synchronous_commit = off`
 * for that one transaction.
 *
 * Only for rows that are made again whenever they are missing — live sessions, BareRTC guests,
 * the channels a BareRTC login joins. Such a commit survives a crash of the process; a power loss
 * can forget it only until a later ordinary commit, which flushes the log up to and including it
 * (so no durable row ever refers to a forgotten one). What it saves is an fsync on the event
 * loop: two per BareRTC login, where a login storm spent ~30 % of its time (bench/README.md).
 */
export async function withLazyFlush<T>(db: Kysely<Database>, write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (sqlDialectOf(db) === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return write(trx);
    });
  }
  // One connection holds the setting for exactly this write: no other query runs in between.
  return db.connection().execute(async (conn) => {
    await sql`pragma synchronous = NORMAL`.execute(conn);
    try {
      return await write(conn);
    } finally {
      await sql`pragma synchronous = FULL`.execute(conn);
    }
  });
}
