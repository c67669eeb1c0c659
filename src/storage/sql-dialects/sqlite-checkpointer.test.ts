import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/helpers/sqlite-files.js';
import type { Database } from '../schema.js';
import { createSqliteDialect } from './sqlite.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

describe('SQLite checkpoints in a worker thread', () => {
  const dir = useTempDir('ckpt');

  it('the serving connection never checkpoints; the worker copies the whole log into the file', async () => {
    const file = dir.file('db.sqlite');
    const db = new Kysely<Database>({ dialect: createSqliteDialect(file) });
    expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows[0]!.wal_autocheckpoint).toBe(0);
    await sql`create table t (id integer primary key, v text)`.execute(db);
    for (let i = 0; i < 200; i++) await sql`insert into t (v) values (${'x'.repeat(100)})`.execute(db);

    // A second checkpointer on the same file (as a second process would be) copies the whole log.
    const probe = startCheckpointer(file, (e) => { throw e; }, 60_000);
    let result = await probe.checkpoint();
    expect(result.log).toBeGreaterThan(0);
    expect(result.checkpointed).toBe(result.log);
    await probe.stop();

    // The writer restarts the log after a complete checkpoint: it stops growing.
    await sql`insert into t (v) values ('after')`.execute(db);
    const probe2 = startCheckpointer(file, (e) => { throw e; }, 60_000);
    result = await probe2.checkpoint();
    expect(result.log).toBeLessThan(10);
    await probe2.stop();

    await db.destroy();
    // Closed cleanly: the last connection folded the log in and removed it; the rows are there.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const check = new BetterSqlite3(file, { readonly: true });
    expect(check.prepare('select count(*) as n from t').get()).toEqual({ n: 201 });
    check.close();
  });

  it('a checkpointer whose worker fails reports it once, and checkpoint() rejects', async () => {
    const failures: Error[] = [];
    // Not a database: the worker cannot open it.
    const file = dir.file('not-a-db');
    await writeFile(file, 'plain text, not SQLite'.repeat(100));
    const c = startCheckpointer(file, (e) => failures.push(e), 60_000);
    await expect(c.checkpoint()).rejects.toThrow();
    expect(failures).toHaveLength(1);
    await c.stop();
  });
});
