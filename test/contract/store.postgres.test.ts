import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { createKyselyStore } from '../../src/storage/kysely-store.js';
import { migrateToLatest } from '../../src/storage/migrations/index.js';
import { openDatabase } from '../../src/storage/open-store.js';
import { createTempDatabase, serviceAvailable } from '../helpers/services.js';
import { describeStoreContract, type StoreFactory } from './store.contract.js';
import { describeTokenStoreContract } from './store-tokens.contract.js';

const available = await serviceAvailable('postgres');

// Skipped when PostgreSQL is unreachable outside CI (serviceAvailable throws under CI).
describe.runIf(available)('PostgreSQL store', () => {
  // One temporary database for the file, migrated once; each test starts from empty tables with
  // identities restarted (so the first user gets id 1 again). Far faster than a database per test.
  let temp: Awaited<ReturnType<typeof createTempDatabase>>;
  beforeAll(async () => {
    temp = await createTempDatabase();
    const db = await openDatabase({ databaseUrl: temp.url, sqliteFile: '' });
    await migrateToLatest(db);
    await db.destroy();
  });
  afterAll(async () => {
    await temp.drop();
  });

  const makeStore: StoreFactory = async () => {
    const db = await openDatabase({ databaseUrl: temp.url, sqliteFile: '' });
    await sql`truncate users, conversations, memberships, messages, relations, bans, online_sessions,
      access_tokens, refresh_tokens, email_codes, reset_tokens, email_subscribers, link_spam_sends, link_spam_warnings restart identity cascade`.execute(db);
    const store = createKyselyStore(db);
    return { store, cleanup: () => store.close() };
  };
  describeStoreContract('PostgreSQL', makeStore);
  describeTokenStoreContract('PostgreSQL', makeStore);
});
