import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toConversationId, toUserId } from '../../src/core/model/ids.js';
import { openStore } from '../../src/storage/open-store.js';
import { describeStoreContract, type StoreFactory } from './store.contract.js';
import { describeTokenStoreContract } from './store-tokens.contract.js';

// A real file per test (not :memory:), so WAL mode and durable commits are exercised.
const dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
let files = 0;
const nextFile = (): string => join(dir, `store-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const makeStore: StoreFactory = async () => {
  const store = await openStore({ databaseUrl: '', sqliteFile: nextFile() });
  return { store, cleanup: () => store.close() };
};
describeStoreContract('SQLite', makeStore);
describeTokenStoreContract('SQLite', makeStore);

describe('SQLite store', () => {
  it('has committed every insert in flight at close when the file is reopened', async () => {
    const file = nextFile();
    const store = await openStore({ databaseUrl: '', sqliteFile: file });
    const author = await store.users.create({
      username: 'a', displayName: 'a', email: null, emailVerified: false, passwordHash: null, isOperator: false, isBot: false, createdAt: 1,
    });
    const room = await store.conversations.ensureRoom('r', 1);
    const pending = Array.from({ length: 300 }, (_, i) => store.messages.insert({
      conversationId: room.id, authorId: author.id, text: `m${i}`, format: 'plain', replyToId: null, clientId: null, createdAt: i,
    }));
    await store.close();
    const ids = (await Promise.all(pending)).map((m) => m.id);

    const reopened = await openStore({ databaseUrl: '', sqliteFile: file });
    try {
      const page = await reopened.messages.history(toConversationId(room.id), { limit: 1000 });
      expect(page.messages.map((m) => m.id)).toEqual(ids);
      expect((await reopened.users.findById(toUserId(1)))?.username).toBe('a');
    } finally {
      await reopened.close();
    }
  });

  it('works on an in-memory database', async () => {
    const store = await openStore({ databaseUrl: '', sqliteFile: ':memory:' });
    expect((await store.users.create({
      username: 'm', displayName: 'm', email: null, emailVerified: false, passwordHash: null, isOperator: false, isBot: false, createdAt: 1,
    })).id).toBe(1);
    await store.close();
  });

  it('rejects an unsupported database URL', async () => {
    await expect(openStore({ databaseUrl: 'mysql://x', sqliteFile: ':memory:' })).rejects.toThrow(/Unsupported database URL/);
  });
});

describe('SQLite files', () => {
  it('keeps the database readable by its owner only', async () => {
    const file = join(dir, 'made-by-the-store', 'parley.sqlite');
    const store = await openStore({ databaseUrl: '', sqliteFile: file });
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    } finally {
      await store.close();
    }
  });
});
