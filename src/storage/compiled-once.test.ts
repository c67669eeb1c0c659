import { Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { compiledOnce } from './compiled-once.js';
import { openDatabase } from './open-store.js';
import type { Database } from './schema.js';

describe('queries compiled once', () => {
  it('runs the SQL built on the first call with each call’s own arguments, constants kept', async () => {
    const db = await openDatabase({ databaseUrl: '', sqliteFile: ':memory:' });
    await sql`create table t (id integer primary key, name text, kind integer)`.execute(db);
    await sql`insert into t (id, name, kind) values (1, 'ann', 0), (2, 'bob', 1), (3, 'cy', 1)`.execute(db);
    let builds = 0;
    const byKindAbove = compiledOnce((d, kind: number, minId: number) => {
      builds += 1;
      const t = d as unknown as Kysely<{ t: { id: number; name: string; kind: number } }>;
      return t.selectFrom('t').select('name').where('kind', '=', kind).where('id', '>', minId).where('name', '!=', 'zed').orderBy('id');
    });
    expect(await byKindAbove(db, 1, 0)).toEqual([{ name: 'bob' }, { name: 'cy' }]);
    expect(await byKindAbove(db, 1, 2)).toEqual([{ name: 'cy' }]);
    expect(await byKindAbove(db, 0, 0)).toEqual([{ name: 'ann' }]);
    expect(builds).toBe(1);
    await db.destroy();
  });

  it('refuses a query that computes on an argument instead of passing it through', async () => {
    const db = await openDatabase({ databaseUrl: '', sqliteFile: ':memory:' });
    const computed = compiledOnce((d: Kysely<Database>, id: number) => d.selectFrom('users').selectAll().where('id', '=', id + 1));
    await expect(computed(db, 1)).rejects.toThrow(/argument 0 is not a parameter/);
    await db.destroy();
  });
});
