import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/helpers/sqlite-files.js';
import { toUserId } from '../../core/model/ids.js';
import { openStore } from '../open-store.js';

describe('the live-connection registry on SQLite', () => {
  const dir = useTempDir('live');

  it('is kept in memory: sessions work as usual, nothing of them reaches the file, a restart starts empty', async () => {
    const store = await openStore({ databaseUrl: '', sqliteFile: dir.file('db.sqlite') });
    const user = await store.users.create({ username: 'alice', displayName: 'alice', email: null, emailVerified: false, passwordHash: null, isOperator: false, isBot: false, createdAt: 1 });
    await store.sessions.add({ id: 's1', userId: user.id, nodeId: 'n1', protocol: 'barertc', connectedAt: 2, state: { username: 'alice' } });
    await store.sessions.heartbeat('n1', 3);
    expect((await store.sessions.listForUser(user.id)).map((s) => s.id)).toEqual(['s1']);
    expect(await store.sessions.setState('s1', { username: 'alice', video: 1 })).toBe(true);

    // Another connection to the same file (a second process) sees the durable tables only: empty.
    const other = new BetterSqlite3(dir.file('db.sqlite'), { readonly: true });
    expect(other.prepare('select count(*) as n from online_sessions').get()).toEqual({ n: 0 });
    expect(other.prepare('select count(*) as n from nodes').get()).toEqual({ n: 0 });
    expect(other.prepare('select count(*) as n from users').get()).toEqual({ n: 1 });
    other.close();

    expect((await store.sessions.remove('s1'))?.id).toBe('s1');
    await store.sessions.add({ id: 's2', userId: user.id, nodeId: 'n1', protocol: 'barertc', connectedAt: 4, state: null });
    await store.close();

    const again = await openStore({ databaseUrl: '', sqliteFile: dir.file('db.sqlite') });
    expect(await again.sessions.listForUser(toUserId(user.id))).toEqual([]);
    expect(await again.sessions.hasSessions(user.id)).toBe(false);
    expect(await again.sessions.onlineUserIds()).toEqual([]);
    await again.close();
  });
});
