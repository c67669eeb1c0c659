import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTempDatabase, PG_BASE_URL, serviceAvailable } from '../../test/helpers/services.js';
import { sqliteSyncLevel as syncLevel, useTempDir } from '../../test/helpers/sqlite-files.js';
import { withLazyFlush } from './lazy-flush.js';
import { openDatabase } from './open-store.js';
import type { Database } from './schema.js';

/** A scratch table the schema does not know. */
type Scratch = { scratch: { id: number } };

const commitMode = async (db: Kysely<Database>): Promise<string> => (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db)).rows[0]!.synchronous_commit;

describe('withLazyFlush on SQLite', () => {
  const dir = useTempDir('lazy');
  let db: Kysely<Database>;
  beforeEach(async () => {
    db = await openDatabase({ databaseUrl: '', sqliteFile: dir.file('db.sqlite') });
    await sql`create table scratch (id integer primary key)`.execute(db);
  });
  afterEach(() => db.destroy());

  it('commits the write with synchronous NORMAL, and every other query keeps FULL', async () => {
    expect(await syncLevel(db)).toBe(2);
    let inside = -1;
    const lazy = withLazyFlush(db, async (d) => {
      await d.withTables<Scratch>().insertInto('scratch').values({ id: 1 }).execute();
      inside = await syncLevel(d);
    });
    // Queued while the lazy write holds the connection: runs after it, back at FULL.
    const [, outside] = await Promise.all([lazy, syncLevel(db)]);
    expect(inside).toBe(1);
    expect(outside).toBe(2);
    expect(await db.withTables<Scratch>().selectFrom('scratch').select('id').execute()).toEqual([{ id: 1 }]);
  });

  it('restores FULL when the write fails, and the failure reaches the caller', async () => {
    await db.withTables<Scratch>().insertInto('scratch').values({ id: 1 }).execute();
    await expect(withLazyFlush(db, (d) => d.withTables<Scratch>().insertInto('scratch').values({ id: 1 }).execute())).rejects.toThrow(/UNIQUE/);
    expect(await syncLevel(db)).toBe(2);
  });
});

describe.runIf(await serviceAvailable('postgres'))('withLazyFlush on PostgreSQL', () => {
  let temp: Awaited<ReturnType<typeof createTempDatabase>>;
  let db: Kysely<Database>;
  beforeAll(async () => {
    temp = await createTempDatabase();
    db = await openDatabase({ databaseUrl: temp.url, sqliteFile: '', displayUrl: PG_BASE_URL });
    await sql`create table scratch (id integer primary key)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
    await temp.drop();
  });

  it('commits the write in a transaction with synchronous_commit off, other transactions keep it on', async () => {
    let inside = '';
    await withLazyFlush(db, async (d) => {
      await d.withTables<Scratch>().insertInto('scratch').values({ id: 1 }).execute();
      inside = await commitMode(d);
    });
    expect(inside).toBe('off');
    expect(await commitMode(db)).toBe('on');
    expect(await db.withTables<Scratch>().selectFrom('scratch').select('id').execute()).toEqual([{ id: 1 }]);
  });

  it('rolls back a failing write and leaves the setting on', async () => {
    await expect(withLazyFlush(db, (d) => d.withTables<Scratch>().insertInto('scratch').values({ id: 1 }).execute())).rejects.toThrow(/duplicate key/);
    expect(await commitMode(db)).toBe('on');
  });
});
