import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { migrateToLatest } from '../storage/migrations/index.js';
import { openDatabase } from '../storage/open-store.js';
import type { Database } from '../storage/schema.js';
import { createStoreProbe } from '../storage/store-probe.js';

const dbs: Kysely<Database>[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.destroy().catch(() => undefined);
});
const open = async () => {
  const db = await openDatabase({ databaseUrl: '', sqliteFile: ':memory:' });
  dbs.push(db);
  return db;
};

describe('store probe (readiness of the database)', () => {
  it('reports a migrated SQLite database as reachable and migrated', async () => {
    const db = await open();
    await migrateToLatest(db);
    expect(await createStoreProbe(db).check()).toEqual({ reachable: true, migrated: true });
  });

  it('reports pending migrations on a database this build has not migrated yet', async () => {
    const db = await open();
    expect(await createStoreProbe(db).check()).toEqual({ reachable: true, migrated: false });
  });

  it('reports an unusable database as unreachable instead of rejecting', async () => {
    const db = await open();
    await migrateToLatest(db);
    const probe = createStoreProbe(db);
    await db.destroy();
    expect(await probe.check()).toEqual({ reachable: false, migrated: null });
  });
});
