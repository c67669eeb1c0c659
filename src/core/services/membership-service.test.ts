import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

describe('memberships', () => {
  it('lets an owner add, promote and remove members, announcing each to the group and the user concerned', async () => {
    const [owner, bob, carol] = [await f.user('owner'), await f.user('bob'), await f.user('carol')];
    const g = await f.core.conversations.createGroup(owner, 'Team', [bob.id]);
    await f.core.memberships.add(owner, g.id, carol.id);
    await expect(f.core.memberships.add(owner, g.id, carol.id)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await f.core.memberships.setRole(owner, g.id, carol.id, 'admin');
    await f.core.memberships.remove(carol, g.id, bob.id); // an admin may remove
    await expect(f.core.memberships.remove(carol, g.id, bob.id)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    expect((await f.core.conversations.members(g.id, owner.id)).map((m) => [m.userId, m.role])).toEqual([[owner.id, 'owner'], [carol.id, 'admin']]);
    await f.settled();
    const joined = f.events.find((e) => e.type === 'member.joined' && e.user.id === carol.id);
    expect(joined).toMatchObject({ addedBy: { id: owner.id }, role: 'member' });
    const left = f.events.find((e) => e.type === 'member.left');
    expect(left && 'audience' in left ? left.audience.memberIds : []).toContain(bob.id); // the removed user hears it
  });

  it('announces a new member with the newest message it now sees, deleted ones and forwards left out', async () => {
    const [owner, bob, carol] = [await f.user('owner'), await f.user('bob'), await f.user('carol')];
    const g = await f.core.conversations.createGroup(owner, 'Team', []);
    const shown = await f.core.messages.send(owner, { conversationId: g.id, text: 'shown' });
    await f.core.messages.forward(owner, shown.id, g.id);
    const gone = await f.core.messages.send(owner, { conversationId: g.id, text: 'gone' });
    await f.core.messages.remove(owner, gone.id);
    await f.core.memberships.add(owner, g.id, bob.id);
    const empty = await f.core.conversations.createGroup(owner, 'Empty', []);
    await f.core.memberships.add(owner, empty.id, carol.id);
    await f.settled();
    const joined = (userId: number, conversationId: number) => f.events.find((e) => e.type === 'member.joined' && e.user.id === userId && e.audience.conversationId === conversationId);
    expect(joined(bob.id, g.id)).toMatchObject({ lastMessage: { message: { id: shown.id, text: 'shown' }, author: { username: 'owner' } } });
    expect(joined(carol.id, empty.id)).not.toHaveProperty('lastMessage');
  });

  it('refuses members without rights with FORBIDDEN, and lets anyone leave by removing themselves', async () => {
    const [owner, bob, carol] = [await f.user('owner'), await f.user('bob'), await f.user('carol')];
    const g = await f.core.conversations.createGroup(owner, 'Team', [bob.id]);
    await expect(f.core.memberships.add(bob, g.id, carol.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(f.core.memberships.rename(bob, g.id, 'Mine')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(f.core.memberships.setRole(bob, g.id, bob.id, 'admin')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(f.core.memberships.removeConversation(bob, g.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await f.core.memberships.remove(bob, g.id, bob.id);
    await expect(f.core.conversations.members(g.id, bob.id)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  });

  it('keeps ownership with the owner: only an owner makes owners, and nobody is added as one', async () => {
    const [owner, admin, bob] = [await f.user('owner'), await f.user('admin'), await f.user('bob')];
    const g = await f.core.conversations.createGroup(owner, 'Team', [admin.id, bob.id]);
    await f.core.memberships.setRole(owner, g.id, admin.id, 'admin');
    await expect(f.core.memberships.setRole(admin, g.id, bob.id, 'owner')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const carol = await f.user('carol');
    await expect(f.core.memberships.add(owner, g.id, carol.id, 'owner')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('renames, clears the history and removes a group, with events', async () => {
    const [owner, bob] = [await f.user('owner'), await f.user('bob')];
    const g = await f.core.conversations.createGroup(owner, 'Team', [bob.id]);
    await f.core.messages.send(bob, { conversationId: g.id, text: 'hi' });
    const { conversation } = await f.core.memberships.rename(owner, g.id, 'Crew');
    expect(conversation.title).toBe('Crew');
    expect((await f.core.conversations.get(g.id)).title).toBe('Crew');
    await expect(f.core.memberships.clearHistory(bob, g.id, true)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await f.core.memberships.clearHistory(owner, g.id, true);
    expect((await f.core.messages.history(owner, g.id, { limit: 10 })).messages).toEqual([]);
    await f.core.memberships.removeConversation(owner, g.id);
    await expect(f.core.conversations.get(g.id)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    await f.settled();
    expect(f.events.map((e) => e.type)).toEqual(expect.arrayContaining(['conversation.renamed', 'history.cleared', 'conversation.deleted']));
  });

  it('clears the history for one member only, hiding it from that member\'s history and unread replay', async () => {
    const [owner, bob] = [await f.user('owner'), await f.user('bob')];
    const g = await f.core.conversations.createGroup(owner, 'Team', [bob.id]);
    await f.core.messages.send(owner, { conversationId: g.id, text: 'old' });
    await f.core.memberships.clearHistory(bob, g.id, false);
    await f.core.messages.send(owner, { conversationId: g.id, text: 'new' });
    expect((await f.core.messages.history(bob, g.id, { limit: 10 })).messages.map((m) => m.text)).toEqual(['new']);
    expect((await f.core.messages.history(owner, g.id, { limit: 10 })).messages.map((m) => m.text)).toEqual(['old', 'new']);
    expect((await f.core.messages.unread(bob, 10)).map((m) => m.text)).toEqual(['new']);
  });

  it('keeps one owner: an admin cannot demote or remove it, and making someone owner hands ownership over', async () => {
    const [owner, admin, bob] = [await f.user('owner'), await f.user('admin'), await f.user('bob')];
    const g = await f.core.conversations.createGroup(owner, 'Team', [admin.id, bob.id]);
    await f.core.memberships.setRole(owner, g.id, admin.id, 'admin');
    await expect(f.core.memberships.setRole(admin, g.id, owner.id, 'member')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(f.core.memberships.remove(admin, g.id, owner.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(f.core.memberships.setRole(owner, g.id, owner.id, 'member')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await f.core.memberships.setRole(owner, g.id, bob.id, 'owner');
    const roles = new Map((await f.core.conversations.members(g.id, owner.id)).map((m) => [m.userId, m.role]));
    expect([roles.get(owner.id), roles.get(bob.id)]).toEqual(['admin', 'owner']);
  });

  it('tells nobody else when a member clears the history for itself', async () => {
    const [owner, bob] = [await f.user('owner'), await f.user('bob')];
    const g = await f.core.conversations.createGroup(owner, 'Team', [bob.id]);
    await f.core.messages.send(owner, { conversationId: g.id, text: 'x' });
    await f.core.memberships.clearHistory(bob, g.id, false);
    await f.settled();
    expect(f.events.some((e) => e.type === 'history.cleared')).toBe(false);
    const [m] = (await f.core.messages.history(owner, g.id, { limit: 1 })).messages;
    await expect(f.core.messages.get(bob, m!.id)).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });

  it('refuses roles in direct conversations', async () => {
    const [a, b] = [await f.user('a'), await f.user('b')];
    const d = await f.core.conversations.openDirect(a, b.id);
    await expect(f.core.memberships.rename(a, d.id, 'x')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(f.core.memberships.remove(a, d.id, a.id)).rejects.toMatchObject({ code: 'FORBIDDEN' }); // left, not edited
    await f.core.memberships.removeConversation(b, d.id); // either side may remove a direct chat
    await expect(f.core.conversations.get(d.id)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });

  it('names a user who joins or leaves a room in the event, so its own sockets hear it', async () => {
    const alice = await f.user('alice');
    const room = await f.core.conversations.openRoom('lobby');
    await f.core.conversations.join(room.id, alice);
    await f.core.conversations.leave(room.id, alice);
    await f.settled();
    for (const type of ['member.joined', 'member.left'] as const) {
      const e = f.events.find((x) => x.type === type);
      expect(e && 'audience' in e ? e.audience.memberIds : []).toEqual([alice.id]);
    }
  });

  it('joins several rooms at once, announcing only the new memberships, and refuses a room the user is banned from', async () => {
    const [alice, mod] = [await f.user('alice'), await f.user('mod', { isOperator: true })];
    const [lobby, news, quiet] = [await f.core.conversations.openRoom('lobby'), await f.core.conversations.openRoom('news'), await f.core.conversations.openRoom('quiet')];
    await f.core.conversations.join(news.id, alice);
    await f.settled();
    const before = f.events.length;
    await f.core.conversations.joinRooms([lobby.id, news.id], alice);
    await f.settled();
    expect(f.events.slice(before).filter((e) => e.type === 'member.joined').map((e) => ('conversation' in e ? e.conversation.name : null))).toEqual(['lobby']);
    expect(await f.core.conversations.maySee(lobby.id, alice.id)).toBe(true);
    await f.core.moderation.ban(mod, alice.id, quiet.id, 'no', null);
    await expect(f.core.conversations.joinRooms([quiet.id], alice)).rejects.toMatchObject({ code: 'BANNED' });
    const dm = await f.core.conversations.openDirect(alice, mod.id);
    await expect(f.core.conversations.joinRooms([dm.id], alice)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
