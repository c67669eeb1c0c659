import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** The tables that only describe this process's live connections, and their indexes. */
const LIVE_TABLES: Readonly<Record<string, { readonly unique: string; readonly indexed: readonly string[] }>> = {
  online_sessions: { unique: 'id', indexed: ['user_id', 'node_id', 'protocol'] },
  nodes: { unique: 'id', indexed: [] },
};

/**
 * On SQLite, the live-connection registry (`online_sessions`, `nodes`) is kept in memory: a TEMP
 * table of the same columns shadows each durable one on the server's connection, so every query
 * (unqualified names look in `temp` first) reads and writes memory, and none of it reaches the log
 * or the disk. SQLite serves one node (DESIGN.md), so the registry never needs sharing; what a
 * restart would have swept is simply gone. Each login otherwise wrote, logged and checkpointed
 * two rows it deletes again at logout — the join storm's largest source of disk writes, whose
 * flushes stalled the event loop. Run once per connection, after migrating (the columns are
 * copied from the durable tables); the durable tables are emptied, rows of an earlier run.
 */
export async function keepLiveTablesInMemory(db: Kysely<Database>): Promise<void> {
  await sql`pragma temp_store = memory`.execute(db);
  for (const [table, { unique, indexed }] of Object.entries(LIVE_TABLES)) {
    await sql`delete from main.${sql.table(table)}`.execute(db);
    await sql`create temp table ${sql.table(table)} as select * from main.${sql.table(table)} where 0`.execute(db);
    await sql`create unique index temp.${sql.raw(`live_${table}_${unique}`)} on ${sql.table(table)} (${sql.ref(unique)})`.execute(db);
    for (const column of indexed) await sql`create index temp.${sql.raw(`live_${table}_${column}`)} on ${sql.table(table)} (${sql.ref(column)})`.execute(db);
  }
}
