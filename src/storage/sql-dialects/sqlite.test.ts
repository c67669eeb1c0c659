import { Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../schema.js';
import { createSqliteDialect } from './sqlite.js';

describe('the SQLite dialect', () => {
  const db = new Kysely<Database>({ dialect: createSqliteDialect(':memory:') });
  afterAll(() => db.destroy());

  it('lets the event loop run between queries: a burst of them does not hold back I/O', async () => {
    const finished: number[] = [];
    const burst = Array.from({ length: 20 }, (_, i) => sql`select ${i} as n`.execute(db).then(() => void finished.push(i)));
    // Scheduled after the whole burst was queued: runs while it is still under way.
    const seenAt = await new Promise<number>((resolve) => setImmediate(() => resolve(finished.length)));
    await Promise.all(burst);
    expect(seenAt).toBeLessThan(20);
    expect(finished).toEqual(Array.from({ length: 20 }, (_, i) => i)); // still in arrival order
  });
});
