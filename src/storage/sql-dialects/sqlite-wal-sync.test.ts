import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sqliteSyncLevel as syncLevel, useTempDir } from '../../../test/helpers/sqlite-files.js';
import { openDatabase, openStore } from '../open-store.js';
import { commitSyncedOffLoop, commitThenSync } from './sqlite-wal-sync.js';

describe('commits flushed off the event loop (SQLite)', () => {
  const dir = useTempDir('walsync');

  it('runs the transaction without a flush of its own, resolves after it is committed, and leaves the connection at FULL', async () => {
    const db = await openDatabase({ databaseUrl: '', sqliteFile: dir.file('db.sqlite') });
    await sql`create table t (id integer primary key)`.execute(db);
    let inside = -1;
    await commitSyncedOffLoop(db, (d) => d.transaction().execute(async (trx) => {
      await sql`insert into t (id) values (1)`.execute(trx);
      inside = await syncLevel(trx);
    }));
    expect(inside).toBe(1);
    expect(await syncLevel(db)).toBe(2);
    // Committed: another connection (another process) reads it.
    const other = new BetterSqlite3(dir.file('db.sqlite'), { readonly: true });
    expect(other.prepare('select id from t').all()).toEqual([{ id: 1 }]);
    other.close();
    await expect(commitSyncedOffLoop(db, (d) => d.transaction().execute((trx) => sql`insert into t (id) values (1)`.execute(trx)))).rejects.toThrow(/UNIQUE/);
    expect(await syncLevel(db)).toBe(2);
    await db.destroy();
  });

  it('commitThenSync answers once committed, with the flush of the log still to come', async () => {
    const file = dir.file('then.sqlite');
    const db = await openDatabase({ databaseUrl: '', sqliteFile: file });
    await sql`create table t (id integer primary key)`.execute(db);
    const { value, durable } = await commitThenSync(db, (d) => d.transaction().execute(async (trx) => {
      await sql`insert into t (id) values (7)`.execute(trx);
      return 'done';
    }));
    expect(value).toBe('done');
    // Committed already: another connection reads it before the flush has been awaited.
    const other = new BetterSqlite3(file, { readonly: true });
    expect(other.prepare('select id from t').all()).toEqual([{ id: 7 }]);
    other.close();
    await expect(durable).resolves.toBeUndefined();
    await db.destroy();
  });

  it('group-committed messages of a file store are all stored, in order', async () => {
    const file = dir.file('store.sqlite');
    const store = await openStore({ databaseUrl: '', sqliteFile: file });
    const user = await store.users.create({ username: 'ann', displayName: 'ann', email: null, emailVerified: false, passwordHash: null, isOperator: false, isBot: false, createdAt: 1 });
    const room = await store.conversations.ensureRoom('lobby', 1);
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => store.messages.insert({ conversationId: room.id, authorId: user.id, text: `m${i}`, format: 'plain', replyToId: null, clientId: null, attachment: null, survey: null, forwardOfId: null, createdAt: 2 + i })));
    expect(sent.map((m) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    await store.close();
    const check = new BetterSqlite3(file, { readonly: true });
    expect(check.prepare('select count(*) as n from messages').get()).toEqual({ n: 50 });
    check.close();
  });
});
