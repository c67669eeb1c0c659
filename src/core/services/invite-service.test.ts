import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

describe('invites', () => {
  it('makes 24-character account invites that stay valid for 7 days, or for a given lifetime', async () => {
    const open = await f.core.invites.createAccount();
    expect(open.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await f.core.invites.valid(open.token)).toEqual(open);
    const short = await f.core.invites.createAccount({ username: 'ann', ttlSeconds: 60 });
    f.clock.advance(60_000);
    expect(await f.core.invites.valid(short.token)).toBeNull();
    expect(await f.core.invites.valid(open.token)).not.toBeNull();
    f.clock.advance(7 * 24 * 3600_000);
    expect(await f.core.invites.valid(open.token)).toBeNull();
  });

  it('refuses unknown roles and bad fixed usernames', async () => {
    await expect(f.core.invites.createAccount({ roles: ['prosody:superuser'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(f.core.invites.createAccount({ username: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(f.core.invites.createAccount({ roles: ['prosody:admin'] })).resolves.toMatchObject({ roles: ['prosody:admin'] });
  });

  it('lists and deletes invites; a used single-use invite is no longer valid', async () => {
    const a = await f.core.invites.createAccount();
    const b = await f.core.invites.createAccount();
    expect((await f.core.invites.list()).map((i) => i.token).sort()).toEqual([a.token, b.token].sort());
    await f.core.invites.delete(a.token);
    expect(await f.core.invites.valid(a.token)).toBeNull();
    await expect(f.core.invites.delete(a.token)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await f.store.invites.markUsed(b.token, f.clock.now())).toBe(true);
    expect(await f.store.invites.markUsed(b.token, f.clock.now())).toBe(false);
    expect(await f.core.invites.valid(b.token)).toBeNull();
    // release undoes only the mark it names.
    expect(await f.store.invites.release(b.token, f.clock.now() + 1)).toBe(false);
    expect(await f.store.invites.release(b.token, f.clock.now())).toBe(true);
    expect(await f.core.invites.valid(b.token)).not.toBeNull();
    expect(await f.store.invites.markUsed(b.token, f.clock.now())).toBe(true);
    expect(await f.core.invites.valid('')).toBeNull();
  });
});

describe('invite kinds and their effects', () => {
  const register = (token: string, username: string) => f.core.invites.register(token, { username, password: 'a long password' });

  it('resets the password of the named account, ending its sessions, with a 1-day lifetime', async () => {
    await f.core.users.register({ username: 'ann', password: 'old password' });
    const invite = await f.core.invites.createReset('ANN');
    expect(invite).toMatchObject({ kind: 'reset', username: 'ann' });
    expect(invite.expiresAt - invite.createdAt).toBe(24 * 3600_000);
    await register(invite.token, 'ignored');
    await expect(f.core.users.authenticate('ann', 'a long password')).resolves.toMatchObject({ username: 'ann' });
    await expect(f.core.invites.createReset('nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('never resets an account made after the reset invite: the name of a deleted account may belong to someone else now', async () => {
    const old = await f.core.users.register({ username: 'ann', password: 'old password' });
    const invite = await f.core.invites.createReset('ann');
    await f.core.users.delete(old.id, { messages: 'keep' });
    f.clock.advance(1000);
    await f.core.users.register({ username: 'ann', password: 'the new ann password' });
    await expect(register(invite.token, 'ignored')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.users.authenticate('ann', 'the new ann password')).resolves.toMatchObject({ username: 'ann' });
  });

  it('gives the new user and the inviter of a contact invite a direct conversation', async () => {
    const host = await f.user('host');
    const invite = await f.core.invites.createContact(host.id);
    const guest = await register(invite.token, 'guest');
    const direct = await f.store.conversations.findDirect(host.id, guest.id);
    expect(direct?.kind).toBe('direct');
  });

  it('adds the new user to the invite\'s groups; with a lifetime the invite serves many sign-ups until it expires', async () => {
    const owner = await f.user('owner');
    const team = await f.core.conversations.createGroup(owner, 'Team', []);
    await expect(f.core.invites.createGroup([9999 as never])).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    const once = await f.core.invites.createGroup([team.id]);
    expect(once.reusable).toBe(false);
    const many = await f.core.invites.createGroup([team.id], { ttlSeconds: 3600 });
    expect(many.reusable).toBe(true);
    for (const name of ['one', 'two']) await register(many.token, name);
    expect((await f.core.conversations.members(team.id, owner.id)).length).toBe(3);
    f.clock.advance(3600_000);
    await expect(register(many.token, 'three')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });
});

/** A connor-style sign-up of `username`, as the protocols pass it to signUp. */
const signUpAs = (username: string, password = 'pw') => ({
  username,
  origin: { address: '192.0.2.1' },
  check: () => f.core.accounts.checkRegistration({ username, password }),
  create: () => f.core.users.register({ username, password }),
});

describe('registration modes', () => {
  it('lets anyone in when open, and applies an invite when one is given', async () => {
    const made = await f.core.invites.signUp(undefined, signUpAs('free'));
    expect(made.username).toBe('free');
    const bad = f.core.invites.signUp('nope', signUpAs('x'));
    await expect(bad).rejects.toMatchObject({ code: 'REGISTRATION_REFUSED' });
  });

  it('holds an invite only while the account is created: released when that fails, used up when it succeeds', async () => {
    const { token } = await f.core.invites.createAccount();
    const failing = { ...signUpAs('unlucky'), create: async () => { throw new Error('disk on fire'); } };
    await expect(f.core.invites.signUp(token, failing)).rejects.toThrow('disk on fire');
    expect(await f.core.invites.valid(token)).not.toBeNull();
    await f.core.invites.signUp(token, signUpAs('lucky'));
    expect(await f.core.invites.valid(token)).toBeNull();
  });

  it('refuses before holding the invite when the check fails, and lets one of two racing sign-ups use it', async () => {
    const { token } = await f.core.invites.createAccount();
    await f.user('taken');
    let created = 0;
    const counted = (name: string) => ({ ...signUpAs(name), create: () => { created++; return signUpAs(name).create(); } });
    await expect(f.core.invites.signUp(token, counted('taken'))).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    expect(created).toBe(0);
    const results = await Promise.allSettled([f.core.invites.signUp(token, counted('one')), f.core.invites.signUp(token, counted('two'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(created).toBe(1);
  });
});
