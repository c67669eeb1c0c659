import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';
import { toMessageId } from '../model/ids.js';

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

describe('rooms and messages', () => {
  it('creates a room on first use and returns the same one after', async () => {
    const a = await f.core.conversations.openRoom('lobby');
    const b = await f.core.conversations.openRoom('lobby');
    expect(a.id).toBe(b.id);
    expect(a.kind).toBe('room');
    expect((await f.core.conversations.openRoom('Lobby')).id).not.toBe(a.id); // room names are case-sensitive
  });

  it('announces a join once, however often a member joins', async () => {
    const alice = await f.user('alice');
    const room = await f.core.conversations.openRoom('r');
    await f.core.conversations.join(room.id, alice);
    await f.core.conversations.join(room.id, alice);
    await f.settled();
    expect(f.events.filter((e) => e.type === 'member.joined')).toHaveLength(1);
  });

  it('stores a member\'s message, then announces it with its author', async () => {
    const alice = await f.user('alice');
    const room = await f.core.conversations.openRoom('r');
    await f.core.conversations.join(room.id, alice);
    const m = await f.core.messages.send(alice, { conversationId: room.id, text: 'hi' });
    expect(await f.store.messages.findById(m.id)).toEqual(m);
    await f.settled();
    const created = f.events.find((e) => e.type === 'message.created');
    expect(created).toMatchObject({ message: { id: m.id, text: 'hi', format: 'plain' }, author: { id: alice.id, username: 'alice' }, audience: { conversationId: room.id, kind: 'room', memberIds: [] } });
  });

  it('refuses a non-member with NOT_A_MEMBER and a banned member with BANNED', async () => {
    const alice = await f.user('alice');
    const op = await f.user('op', { isOperator: true });
    const room = await f.core.conversations.openRoom('r');
    await expect(f.core.messages.send(alice, { conversationId: room.id, text: 'x' })).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await f.core.conversations.join(room.id, alice);
    await f.core.moderation.ban(op, alice.id, room.id, 'spam', 60_000);
    await expect(f.core.messages.send(alice, { conversationId: room.id, text: 'x' })).rejects.toMatchObject({ code: 'BANNED', message: 'spam' });
    await expect(f.core.conversations.join(room.id, alice)).rejects.toMatchObject({ code: 'BANNED' });
    f.clock.advance(60_001);
    await expect(f.core.messages.send(alice, { conversationId: room.id, text: 'back' })).resolves.toMatchObject({ text: 'back' });
  });

  it('lets only operators and moderators ban', async () => {
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    const room = await f.core.conversations.openRoom('r');
    await f.core.conversations.join(room.id, alice);
    await expect(f.core.moderation.ban(alice, bob.id, room.id, '', null)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(f.core.moderation.ban(alice, bob.id, null, '', null)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('returns the first message again for a retried clientId', async () => {
    const alice = await f.user('alice');
    const room = await f.core.conversations.openRoom('r');
    await f.core.conversations.join(room.id, alice);
    const first = await f.core.messages.send(alice, { conversationId: room.id, text: 'once', clientId: 'c1' });
    const again = await f.core.messages.send(alice, { conversationId: room.id, text: 'once', clientId: 'c1' });
    expect(again.id).toBe(first.id);
  });

  it('edits only the author\'s own message and deletes for the author or a moderator', async () => {
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    const room = await f.core.conversations.openRoom('r');
    for (const u of [alice, bob]) await f.core.conversations.join(room.id, u);
    const m = await f.core.messages.send(alice, { conversationId: room.id, text: 'v1' });
    await expect(f.core.messages.edit(bob, m.id, 'hacked')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    f.clock.advance(5);
    expect(await f.core.messages.edit(alice, m.id, 'v2')).toMatchObject({ text: 'v2', editedAt: f.clock.now() });
    await expect(f.core.messages.remove(bob, m.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await f.core.messages.remove(alice, m.id);
    await expect(f.core.messages.edit(alice, m.id, 'v3')).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    await f.settled();
    expect(f.events.map((e) => e.type)).toEqual(expect.arrayContaining(['message.edited', 'message.deleted']));
  });

  it('pages history oldest-first and moves read positions only forward', async () => {
    const alice = await f.user('alice');
    const room = await f.core.conversations.openRoom('r');
    await f.core.conversations.join(room.id, alice);
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await f.core.messages.send(alice, { conversationId: room.id, text: `m${i}` }));
    const newest = await f.core.messages.history(alice, room.id, { limit: 2 });
    expect(newest.messages.map((m) => m.text)).toEqual(['m3', 'm4']);
    expect(newest.hasMore).toBe(true);
    const older = await f.core.messages.history(alice, room.id, { beforeId: newest.messages[0]!.id, limit: 10 });
    expect(older.messages.map((m) => m.text)).toEqual(['m0', 'm1', 'm2']);
    expect(older.hasMore).toBe(false);
    await f.core.messages.markRead(alice, room.id, sent[3]!.id);
    await f.core.messages.markRead(alice, room.id, sent[1]!.id);
    expect((await f.store.conversations.getMember(room.id, alice.id))?.lastReadMessageId).toBe(sent[3]!.id);
  });

  it('refuses a reply to a message of another conversation', async () => {
    const alice = await f.user('alice');
    const [r1, r2] = [await f.core.conversations.openRoom('r1'), await f.core.conversations.openRoom('r2')];
    for (const r of [r1, r2]) await f.core.conversations.join(r.id, alice);
    const m = await f.core.messages.send(alice, { conversationId: r1.id, text: 'x' });
    await expect(f.core.messages.send(alice, { conversationId: r2.id, text: 'y', replyToId: m.id })).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    await expect(f.core.messages.send(alice, { conversationId: r1.id, text: 'y', replyToId: toMessageId(9999) })).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });

  it('announces a reply with the replied-to message and its author while that exists, and the chat title', async () => {
    const [alice, bob] = [await f.user('alice'), await f.user('bob')];
    const g = await f.core.conversations.createGroup(alice, 'Team', [bob.id]);
    const question = await f.core.messages.send(bob, { conversationId: g.id, text: 'q' });
    const answer = await f.core.messages.send(alice, { conversationId: g.id, text: 'a', replyToId: question.id });
    await f.core.messages.remove(bob, question.id);
    const late = await f.core.messages.send(alice, { conversationId: g.id, text: 'late', replyToId: question.id });
    await f.settled();
    const created = (id: number) => f.events.find((e) => e.type === 'message.created' && e.message.id === id);
    expect(created(answer.id)).toMatchObject({ audience: { title: 'Team' }, replyTo: { message: { id: question.id, text: 'q' }, author: { username: 'bob' } } });
    expect(created(late.id)).not.toHaveProperty('replyTo');
  });

  it('edits with a new format, and refuses to edit a survey, a file or a forward as text', async () => {
    const alice = await f.user('alice');
    const room = await f.core.conversations.openRoom('r');
    await f.core.conversations.join(room.id, alice);
    const m = await f.core.messages.send(alice, { conversationId: room.id, text: 'x' });
    expect(await f.core.messages.edit(alice, m.id, '**x**', 'markdown')).toMatchObject({ text: '**x**', format: 'markdown' });
    expect(await f.core.messages.edit(alice, m.id, '*x*')).toMatchObject({ text: '*x*', format: 'markdown' });
    const survey = await f.core.messages.send(alice, { conversationId: room.id, text: 'Lunch?: https://s', survey: { url: 'https://s', title: 'Lunch?' } });
    const forward = await f.core.messages.forward(alice, m.id, room.id);
    for (const id of [survey.id, forward.id]) await expect(f.core.messages.edit(alice, id, 'text')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('direct and group conversations', () => {
  it('opens one direct conversation per pair and names its members in events', async () => {
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    const d1 = await f.core.conversations.openDirect(alice, bob.id);
    const d2 = await f.core.conversations.openDirect(bob, alice.id);
    expect(d2.id).toBe(d1.id);
    await f.core.messages.send(bob, { conversationId: d1.id, text: 'psst' });
    await f.settled();
    const created = f.events.find((e) => e.type === 'message.created');
    expect(created && 'audience' in created ? [...created.audience.memberIds].sort() : []).toEqual([alice.id, bob.id].sort());
  });

  it('stops direct contact either way once one side blocks the other', async () => {
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    const d = await f.core.conversations.openDirect(alice, bob.id);
    await f.core.moderation.relate(bob, alice.id, 'block');
    await expect(f.core.messages.send(alice, { conversationId: d.id, text: 'hi' })).rejects.toMatchObject({ code: 'BLOCKED' });
    await expect(f.core.messages.send(bob, { conversationId: d.id, text: 'hi' })).rejects.toMatchObject({ code: 'BLOCKED' });
    const carol = await f.user('carol');
    await f.core.moderation.relate(carol, alice.id, 'block');
    await expect(f.core.conversations.openDirect(alice, carol.id)).rejects.toMatchObject({ code: 'BLOCKED' });
    expect(await f.core.moderation.related(carol.id, 'block')).toEqual([alice.id]);
  });

  it('creates a group with its owner and members', async () => {
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    const g = await f.core.conversations.createGroup(alice, 'Team', [bob.id, alice.id]);
    const members = await f.core.conversations.members(g.id, bob.id);
    expect(members.map((m) => [m.userId, m.role])).toEqual([[alice.id, 'owner'], [bob.id, 'member']]);
    expect(g).toMatchObject({ kind: 'group', title: 'Team' });
    const stranger = await f.user('stranger');
    await expect(f.core.conversations.members(g.id, stranger.id)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await expect(f.core.conversations.join(g.id, stranger)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('channels and favorites', () => {
  it('lets only owners and admins post in a channel', async () => {
    const [owner, reader] = [await f.user('owner'), await f.user('reader')];
    const channel = await f.core.conversations.createChannel(owner, 'News');
    expect(channel.kind).toBe('channel');
    await f.core.memberships.add(owner, channel.id, reader.id);
    await f.core.messages.send(owner, { conversationId: channel.id, text: 'news' });
    await expect(f.core.messages.send(reader, { conversationId: channel.id, text: 'me too' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await f.core.messages.history(reader, channel.id, { limit: 5 })).messages.map((m) => m.text)).toEqual(['news']);
  });

  it('gives each user one favorites conversation of its own, even under concurrent calls', async () => {
    const [alice, bob] = [await f.user('alice'), await f.user('bob')];
    const ids = new Set((await Promise.all(Array.from({ length: 5 }, () => f.core.conversations.openFavorites(alice)))).map((c) => c.id));
    expect(ids.size).toBe(1);
    const mine = await f.core.conversations.openFavorites(alice);
    expect(mine.kind).toBe('favorites');
    expect((await f.core.conversations.openFavorites(bob)).id).not.toBe(mine.id);
    expect((await f.core.conversations.members(mine.id, alice.id)).map((m) => [m.userId, m.role])).toEqual([[alice.id, 'owner']]);
  });
});

describe('presence', () => {
  it('announces online at the first session and offline after the last', async () => {
    const alice = await f.user('alice');
    const s1 = await f.core.presence.connect(alice, 'connor');
    const s2 = await f.core.presence.connect(alice, 'connor');
    expect(await f.core.presence.isOnline(alice.id)).toBe(true);
    await f.core.presence.disconnect(s1, alice);
    expect(await f.core.presence.isOnline(alice.id)).toBe(true);
    await f.core.presence.disconnect(s2, alice);
    expect(await f.core.presence.isOnline(alice.id)).toBe(false);
    await f.settled();
    expect(f.events.filter((e) => e.type === 'presence.changed').map((e) => e.type === 'presence.changed' && e.online)).toEqual([true, false]);
  });

  it('sweeps the sessions of a node that stopped beating, and keeps those of a live one', async () => {
    const [alice, bob, carol] = [await f.user('alice'), await f.user('bob'), await f.user('carol')];
    const now = f.clock.now();
    await f.store.sessions.heartbeat('dead', now - 60_000);
    await f.store.sessions.heartbeat('alive', now - 1_000);
    await f.store.sessions.add({ id: 's1', userId: alice.id, nodeId: 'dead', protocol: 'connor', connectedAt: now - 70_000 });
    await f.store.sessions.add({ id: 's2', userId: bob.id, nodeId: 'alive', protocol: 'connor', connectedAt: now });
    await f.store.sessions.add({ id: 's3', userId: carol.id, nodeId: 'never-beat', protocol: 'connor', connectedAt: now });
    await f.core.presence.heartbeat();
    expect(await f.core.presence.onlineUserIds()).toEqual([bob.id]);
    await f.settled();
    const offline = f.events.flatMap((e) => (e.type === 'presence.changed' && !e.online ? [e.user.id] : []));
    expect(offline.sort()).toEqual([alice.id, carol.id].sort());
  });

  it('keeps this node\'s own sessions when it beats', async () => {
    const alice = await f.user('alice');
    await f.core.presence.heartbeat();
    await f.core.presence.connect(alice, 'connor');
    f.clock.advance(60_000);
    await f.core.presence.heartbeat();
    expect(await f.core.presence.isOnline(alice.id)).toBe(true);
  });

  it('clears this node\'s sessions on shutdown', async () => {
    const alice = await f.user('alice');
    await f.core.presence.connect(alice, 'connor');
    await f.core.presence.disconnectNode();
    expect(await f.core.presence.onlineUserIds()).toEqual([]);
  });
});
