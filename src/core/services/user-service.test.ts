import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

describe('users', () => {
  it('registers with an argon2id hash that never leaves the core', async () => {
    const user = await f.core.users.register({ username: 'Alice', password: 'secret' });
    expect(user).toMatchObject({ username: 'Alice', displayName: 'Alice', isOperator: false, isBot: false, isDisabled: false, email: null });
    expect(user).not.toHaveProperty('passwordHash');
    const stored = await f.store.users.findById(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.createdAt).toBe(f.clock.now());
  });

  it('refuses a username taken in any case with USERNAME_TAKEN', async () => {
    await f.core.users.register({ username: 'alice', password: 'pw' });
    await expect(f.core.users.register({ username: 'ALICE', password: 'pw' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
  });

  it('treats names that differ only in Unicode composition or width as taken', async () => {
    await f.core.users.register({ username: 'Jos\u00e9', password: 'pw' }); // é precomposed
    await expect(f.core.users.register({ username: 'jose\u0301', password: 'pw' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN' }); // e + combining acute
    await f.core.users.register({ username: 'abc', password: 'pw' });
    await expect(f.core.users.register({ username: '\uff41\uff42\uff43', password: 'pw' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN' }); // full-width
  });

  it.each([['empty', ''], ['control characters', 'a\u0000b'], ['invisible characters', 'ad\u200bmin'], ['bidi overrides', '\u202eadmin'], ['too long', 'x'.repeat(256)]])('refuses a %s username with INVALID_INPUT', async (_l, username) => {
    await expect(f.core.users.register({ username, password: 'pw' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses an empty or oversized password with PASSWORD_UNACCEPTABLE', async () => {
    await expect(f.core.users.register({ username: 'a', password: '' })).rejects.toMatchObject({ code: 'PASSWORD_UNACCEPTABLE' });
    await expect(f.core.users.register({ username: 'a', password: 'é'.repeat(513) })).rejects.toMatchObject({ code: 'PASSWORD_UNACCEPTABLE' });
  });

  it('makes a login wait for a sign-up of the same name in flight, whatever its outcome', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const signUp = f.core.users.signingUp('Racer', async () => {
      await gate;
      return f.core.users.register({ username: 'Racer', password: 'pw' });
    });
    const login = f.core.users.authenticate('racer', 'pw');
    // Its refusal may come before the login's answer: held, so it is never an unhandled rejection.
    const wrong = f.core.users.authenticate('RACER', 'nope').catch((e: unknown) => e);
    release();
    await signUp;
    expect((await login).username).toBe('Racer');
    expect(await wrong).toMatchObject({ code: 'PASSWORD_MISMATCH' });
    // A sign-up that fails leaves the login's answer as it was.
    const failed = f.core.users.signingUp('ghost', async () => {
      await Promise.resolve();
      throw new Error('refused');
    });
    const ghost = f.core.users.authenticate('ghost', 'pw').catch((e: unknown) => e);
    await expect(failed).rejects.toThrow('refused');
    expect(await ghost).toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('provisions website users without a password, never over a registered account, and moves a guest out of the way', async () => {
    const web = await f.core.users.websiteUser('Webby', 'Web Person');
    expect(web).toMatchObject({ username: 'Webby', displayName: 'Web Person', source: 'website' });
    expect((await f.store.users.findById(web.id))?.passwordHash).toBeNull();
    expect((await f.core.users.websiteUser('webby', 'Renamed')).id).toBe(web.id); // the same person, new display name
    expect((await f.core.users.findById(web.id))?.displayName).toBe('Renamed');
    await f.core.users.register({ username: 'local', password: 'pw' });
    await expect(f.core.users.websiteUser('LOCAL', '')).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    await expect(f.core.users.authenticate('webby', '')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });

    const guest = await f.core.users.guestUser('drifter');
    expect(guest).toMatchObject({ username: 'drifter', source: 'guest' });
    expect((await f.core.users.guestUser('Drifter'))?.id).toBe(guest!.id);
    expect(await f.core.users.guestUser('local')).toBeNull();
    expect(await f.core.users.guestUser('webby')).toBeNull();
    const claimed = await f.core.users.websiteUser('drifter', '');
    expect(claimed.id).not.toBe(guest!.id);
    expect((await f.core.users.findById(guest!.id))?.username).toBe(`drifter~guest${guest!.id}`);
    expect(f.events.some((e) => e.type === 'account.revoked' && e.userId === guest!.id)).toBe(true);
  });

  it('authenticates case-insensitively and tells a wrong password from an unknown user', async () => {
    await f.core.users.register({ username: 'bob', password: 'right' });
    expect((await f.core.users.authenticate('BOB', 'right')).username).toBe('bob');
    await expect(f.core.users.authenticate('bob', 'wrong')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.users.authenticate('nobody', 'right')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('refuses a password login for an account without a password', async () => {
    await f.core.users.register({ username: 'sso', password: null });
    await expect(f.core.users.authenticate('sso', 'anything')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
  });

  it('refuses a disabled account after checking its password, and announces the disabling', async () => {
    const u = await f.core.users.register({ username: 'carol', password: 'pw' });
    await f.core.users.setDisabled(u.id, true);
    await expect(f.core.users.authenticate('carol', 'wrong')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.users.authenticate('carol', 'pw')).rejects.toMatchObject({ code: 'USER_DISABLED' });
    await f.settled();
    expect(f.events).toContainEqual({ type: 'account.revoked', userId: u.id, generation: 1, reason: 'disabled' });
  });

  it('refuses a token issued under an older generation once the account is disabled and re-enabled', async () => {
    const u = await f.core.users.register({ username: 'dave', password: 'pw' });
    const before = await f.core.users.principalFor(u.id, 0);
    await f.core.users.setDisabled(u.id, true);
    await f.core.users.setDisabled(u.id, false);
    await expect(f.core.users.principalFor(u.id, before.generation)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.users.principalFor(u.id, 1)).resolves.toMatchObject({ username: 'dave', generation: 1 });
  });

  it('refuses a server-banned account at login and for every token, until the ban ends', async () => {
    const u = await f.core.users.register({ username: 'bane', password: 'pw' });
    const { accessToken } = await f.core.tokens.login('bane', 'pw');
    await f.core.moderation.ban(null, u.id, null, 'spam', 60_000);
    await expect(f.core.users.authenticate('bane', 'pw')).rejects.toMatchObject({ code: 'BANNED', message: 'spam' });
    await expect(f.core.users.principalFor(u.id, 0)).rejects.toMatchObject({ code: 'BANNED' });
    await expect(f.core.tokens.authenticate(accessToken)).rejects.toMatchObject({ code: 'BANNED' });
    f.clock.advance(60_000);
    await expect(f.core.tokens.authenticate(accessToken)).resolves.toMatchObject({ username: 'bane' });
  });

  it('records account changes in the database feed that other processes poll', async () => {
    const u = await f.core.users.register({ username: 'erin', password: 'pw' });
    const poller = f.core.accessEvents; // a feed that started before the change
    await f.core.users.setDisabled(u.id, true);
    expect(await poller.poll()).toEqual([{ type: 'account.revoked', userId: u.id, generation: 1, reason: 'disabled' }]);
    expect(await poller.poll()).toEqual([]); // seen once per node
  });

  it('lists users in id order, page by page', async () => {
    for (const n of ['a', 'b', 'c']) await f.core.users.register({ username: n, password: 'pw' });
    const first = await f.core.users.list({ limit: 2 });
    expect(first.map((u) => u.username)).toEqual(['a', 'b']);
    expect((await f.core.users.list({ afterId: first[1]!.id, limit: 2 })).map((u) => u.username)).toEqual(['c']);
  });

  it('sets a new password that ends every token and session, like a reset', async () => {
    const u = await f.core.users.register({ username: 'pat', password: 'old-pw' });
    const { accessToken } = await f.core.tokens.login('pat', 'old-pw');
    const before = await f.core.users.principalFor(u.id, 0);
    await f.core.users.setPassword(u.id, 'new-pw');
    await expect(f.core.users.authenticate('pat', 'old-pw')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.users.authenticate('pat', 'new-pw')).resolves.toMatchObject({ id: u.id });
    await expect(f.core.tokens.authenticate(accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.users.principalFor(u.id, before.generation)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await f.settled();
    expect(f.events).toContainEqual({ type: 'account.revoked', userId: u.id, generation: 1, reason: 'password' });
    await expect(f.core.users.setPassword(u.id, '')).rejects.toMatchObject({ code: 'PASSWORD_UNACCEPTABLE' });
  });

  it('locks a guest account given a password: the guest name is no longer handed to whoever types it', async () => {
    const guest = await f.core.users.guestUser('gus');
    expect(guest).toMatchObject({ source: 'guest' });
    await f.core.users.setPassword(guest!.id, 'gus-pw');
    expect(await f.core.users.guestUser('gus')).toBeNull();
    await expect(f.core.users.authenticate('gus', 'gus-pw')).resolves.toMatchObject({ id: guest!.id, source: 'local' });
  });

  describe('delete', () => {
    async function roomWithTwo() {
      const gone = await f.core.users.register({ username: 'gone', password: 'pw', email: 'g@example.org', emailVerified: true, isOperator: true });
      const stays = await f.core.users.register({ username: 'stays', password: 'pw' });
      const room = await f.core.conversations.openRoom('lobby');
      const [g, s] = [await f.core.users.principalFor(gone.id), await f.core.users.principalFor(stays.id)];
      await f.core.conversations.join(room.id, g);
      await f.core.conversations.join(room.id, s);
      await f.core.messages.send(g, { conversationId: room.id, text: 'from gone' });
      await f.core.messages.send(s, { conversationId: room.id, text: 'from stays' });
      return { gone, stays, room, reader: s };
    }

    it('keeps the messages under a tombstone that cannot log in, and frees the name', async () => {
      const { gone, room, reader } = await roomWithTwo();
      const { accessToken } = await f.core.tokens.login('gone', 'pw');
      const { user, deletedMessages } = await f.core.users.delete(gone.id, { messages: 'keep' });
      expect(deletedMessages).toBe(0);
      expect(user).toMatchObject({ id: gone.id, username: `deleted~${gone.id}`, displayName: 'Deleted user', email: null, isOperator: false, isDisabled: true, source: 'deleted' });
      expect((await f.store.users.findById(gone.id))?.passwordHash).toBeNull();
      const history = await f.core.messages.roomHistory(reader, room.id, 10);
      expect(history.messages.map((m) => [m.authorId, m.text])).toEqual([[gone.id, 'from gone'], [reader.id, 'from stays']]);
      await expect(f.core.tokens.authenticate(accessToken)).rejects.toMatchObject({ code: 'USER_DISABLED' });
      await expect(f.core.users.authenticate('gone', 'pw')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      await f.settled();
      expect(f.events).toContainEqual({ type: 'account.revoked', userId: gone.id, generation: 1, reason: 'disabled' });
      const again = await f.core.users.register({ username: 'gone', password: 'pw2' });
      expect(again.id).not.toBe(gone.id);
    });

    it('removes the messages with --messages delete, and refuses a second delete or re-enable', async () => {
      const { gone, room, reader } = await roomWithTwo();
      expect((await f.core.users.delete(gone.id, { messages: 'delete' })).deletedMessages).toBe(1);
      expect((await f.core.messages.roomHistory(reader, room.id, 10)).messages.map((m) => m.text)).toEqual(['from stays']);
      await expect(f.core.users.delete(gone.id, { messages: 'delete' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      await expect(f.core.users.setDisabled(gone.id, false)).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      await expect(f.core.users.setPassword(gone.id, 'pw')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    });

    it('takes another tombstone name when someone registered deleted~<id>', async () => {
      const gone = await f.core.users.register({ username: 'gone', password: 'pw' });
      await f.core.users.register({ username: `Deleted~${gone.id}`, password: 'pw' });
      expect((await f.core.users.delete(gone.id, { messages: 'keep' })).user.username).toBe(`deleted~${gone.id}~1`);
    });
  });
});
