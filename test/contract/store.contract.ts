import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatError } from '../../src/core/errors.js';
import { toConversationId, toMessageId, toUserId } from '../../src/core/model/ids.js';
import type { Store } from '../../src/core/ports/store.js';
import { draft, newUser, storeHelpers } from './store-fixtures.js';
import { describeFileContract } from './store-files.contract.js';
import { describeDirectContract } from './store-direct.contract.js';
import { describeLinkSpamContract } from './store-link-spam.contract.js';
import { describeMessageContract } from './store-messages.contract.js';

/** Builds a fresh, empty, migrated store for one test; `cleanup` closes it and drops its data. */
export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/**
 * The behaviour every Store implementation must show (STYLE.md §7 contract suites). Call once
 * per implementation; each test gets its own store from `makeStore`.
 */
export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract (${name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    const { createUser, createRoom, roomWithAuthor } = storeHelpers(() => store);

    describe('users', () => {
      it('gives the first user id 1 and later users increasing ids', async () => {
        const first = await createUser('alice');
        const second = await createUser('bob');
        expect(first.id).toBe(1);
        expect(second.id).toBeGreaterThan(first.id);
      });

      it('stores every field of a new user and stamps createdAt', async () => {
        const user = await store.users.create(
          newUser('Carol', { displayName: 'Carol C', email: 'c@example.org', emailVerified: true, passwordHash: '$argon2id$x', isOperator: true, isBot: true }),
        );
        expect(user).toMatchObject({
          username: 'Carol', displayName: 'Carol C', email: 'c@example.org', emailVerified: true,
          passwordHash: '$argon2id$x', isOperator: true, isBot: true, isDisabled: false,
        });
        expect(user.createdAt).toBeGreaterThan(0);
        expect(await store.users.findById(user.id)).toEqual(user);
      });

      it('rejects a username that differs only in case with USERNAME_TAKEN', async () => {
        await createUser('Alice');
        const error = await store.users.create(newUser('aLICE')).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ChatError);
        expect((error as ChatError).code).toBe('USERNAME_TAKEN');
      });

      it('finds a user by username case-insensitively and returns null for unknown users', async () => {
        const alice = await createUser('Alice');
        expect((await store.users.findByUsername('ALICE'))?.id).toBe(alice.id);
        expect(await store.users.findByUsername('nobody')).toBeNull();
        expect(await store.users.findById(toUserId(999))).toBeNull();
      });

      it('lists users in id order after the cursor, at most limit', async () => {
        const [a, b, c] = [await createUser('a'), await createUser('b'), await createUser('c')];
        expect((await store.users.list({ limit: 2 })).map((u) => u.id)).toEqual([a.id, b.id]);
        expect((await store.users.list({ afterId: a.id, limit: 10 })).map((u) => u.id)).toEqual([b.id, c.id]);
      });

      it('updates only the patched fields and returns null for an unknown user', async () => {
        const user = await store.users.create(newUser('dave', { email: 'd@example.org' }));
        const updated = await store.users.update(user.id, { displayName: 'Dave', isDisabled: true, passwordHash: null });
        expect(updated).toEqual({ ...user, displayName: 'Dave', isDisabled: true, passwordHash: null });
        expect(await store.users.update(user.id, {})).toEqual(updated);
        expect(await store.users.update(toUserId(999), { displayName: 'x' })).toBeNull();
        expect(await store.users.update(user.id, { source: 'deleted' })).toEqual({ ...updated, source: 'deleted' });
      });
    });

    describe('conversations', () => {
      it('creates exactly one room when 20 callers ensure it at once', async () => {
        const rooms = await Promise.all(Array.from({ length: 20 }, () => store.conversations.ensureRoom('lobby', 5)));
        expect(new Set(rooms.map((r) => r.id)).size).toBe(1);
        expect(rooms[0]).toMatchObject({ kind: 'room', name: 'lobby', title: 'lobby', createdAt: 5 });
        expect((await store.conversations.findRoomByName('lobby'))?.id).toBe(rooms[0]?.id);
      });

      it('keeps room names unique among rooms only, and case-sensitive', async () => {
        const room = await createRoom('dev');
        expect((await store.conversations.ensureRoom('dev', 99)).id).toBe(room.id);
        const group = await store.conversations.create({ kind: 'group', name: 'dev', title: 'Dev group', createdAt: 2 });
        expect(group.id).not.toBe(room.id);
        expect((await store.conversations.findRoomByName('dev'))?.id).toBe(room.id);
        expect(await store.conversations.findRoomByName('DEV')).toBeNull();
        await expect(store.conversations.create({ kind: 'room', name: 'dev', title: 'again', createdAt: 3 })).rejects.toThrow();
      });

      it('finds a conversation by id, or null', async () => {
        const room = await createRoom('x');
        expect(await store.conversations.findById(room.id)).toEqual(room);
        expect(await store.conversations.findById(toConversationId(999))).toBeNull();
      });

      it('makes one direct conversation per pair, with both as members, whichever way round', async () => {
        const [a, b, c] = [await createUser('a'), await createUser('b'), await createUser('c')];
        const group = await store.conversations.create({ kind: 'group', name: 'g', title: 'g', createdAt: 1 });
        for (const u of [a, b]) await store.conversations.addMember(group.id, u.id, 'member', 1);
        expect(await store.conversations.findDirect(a.id, b.id)).toBeNull(); // a group is not a direct conversation

        const first = await store.conversations.ensureDirect(a.id, b.id, 7);
        expect(first).toMatchObject({ created: true, conversation: { kind: 'direct', name: null, createdAt: 7 } });
        expect((await store.conversations.listMembers(first.conversation.id)).map((m) => m.userId).sort()).toEqual([a.id, b.id].sort());
        expect(await store.conversations.ensureDirect(b.id, a.id, 8)).toEqual({ conversation: first.conversation, created: false });
        expect((await store.conversations.findDirect(b.id, a.id))?.id).toBe(first.conversation.id);
        expect(await store.conversations.findDirect(a.id, c.id)).toBeNull();
      });

      it('creates a pair\'s direct conversation exactly once under concurrent calls', async () => {
        const [a, b] = [await createUser('a'), await createUser('b')];
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.conversations.ensureDirect(i % 2 ? a.id : b.id, i % 2 ? b.id : a.id, i)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);
        expect(await store.conversations.listMembers(results[0]!.conversation.id)).toHaveLength(2);
      });

      it('makes a new direct conversation once the old one is released', async () => {
        const [a, b] = [await createUser('a'), await createUser('b')];
        const old = await store.conversations.ensureDirect(a.id, b.id, 1);
        await store.conversations.releaseDirect(old.conversation.id);
        expect(await store.conversations.findDirect(a.id, b.id)).toBeNull();
        const fresh = await store.conversations.ensureDirect(a.id, b.id, 2);
        expect(fresh.created).toBe(true);
        expect(fresh.conversation.id).not.toBe(old.conversation.id);
      });

      it('keeps the existing membership when a member is added again', async () => {
        const user = await createUser('u');
        const room = await createRoom('r');
        const first = await store.conversations.addMember(room.id, user.id, 'owner', 10);
        expect(first).toEqual({ conversationId: room.id, userId: user.id, role: 'owner', lastReadMessageId: 0, clearedThroughId: 0, joinedAt: 10 });
        expect(await store.conversations.addMember(room.id, user.id, 'member', 20)).toEqual(first);
        expect(await store.conversations.listMembers(room.id)).toEqual([first]);
      });

      it('removes members, reporting whether anything was removed', async () => {
        const user = await createUser('u');
        const room = await createRoom('r');
        await store.conversations.addMember(room.id, user.id, 'member', 1);
        expect(await store.conversations.removeMember(room.id, user.id)).toBe(true);
        expect(await store.conversations.removeMember(room.id, user.id)).toBe(false);
        expect(await store.conversations.getMember(room.id, user.id)).toBeNull();
      });

      it('lists members in join order and a user\'s conversations in id order', async () => {
        const [a, b] = [await createUser('a'), await createUser('b')];
        const [r1, r2] = [await createRoom('one'), await createRoom('two')];
        await store.conversations.addMember(r1.id, b.id, 'member', 1);
        await store.conversations.addMember(r1.id, a.id, 'member', 2);
        await store.conversations.addMember(r2.id, a.id, 'member', 3);
        expect((await store.conversations.listMembers(r1.id)).map((m) => m.userId)).toEqual([b.id, a.id]);
        expect((await store.conversations.listForUser(a.id)).map((c) => c.id)).toEqual([r1.id, r2.id]);
        expect(await store.conversations.listForUser(toUserId(999))).toEqual([]);
      });

      it('changes a member\'s role', async () => {
        const user = await createUser('u');
        const room = await createRoom('r');
        await store.conversations.addMember(room.id, user.id, 'member', 1);
        await store.conversations.setRole(room.id, user.id, 'admin');
        expect((await store.conversations.getMember(room.id, user.id))?.role).toBe('admin');
      });

      it('moves the read position forward but never backward', async () => {
        const { room, author } = await roomWithAuthor();
        await store.conversations.setReadPosition(room.id, author.id, toMessageId(10));
        await store.conversations.setReadPosition(room.id, author.id, toMessageId(5));
        expect((await store.conversations.getMember(room.id, author.id))?.lastReadMessageId).toBe(10);
        await store.conversations.setReadPosition(room.id, author.id, toMessageId(12));
        expect((await store.conversations.getMember(room.id, author.id))?.lastReadMessageId).toBe(12);
      });

      it('deletes a conversation with its messages, memberships and bans', async () => {
        const { room, author } = await roomWithAuthor();
        const other = await createRoom('other');
        await store.conversations.addMember(other.id, author.id, 'member', 1);
        const message = await store.messages.insert(draft(room.id, author.id, 'hi'));
        const kept = await store.messages.insert(draft(other.id, author.id, 'kept'));
        await store.relations.ban({ userId: author.id, conversationId: room.id, reason: 'r', until: null });

        await store.conversations.delete(room.id);

        expect(await store.conversations.findById(room.id)).toBeNull();
        expect(await store.messages.findById(message.id)).toBeNull();
        expect(await store.conversations.getMember(room.id, author.id)).toBeNull();
        expect((await store.conversations.listForUser(author.id)).map((c) => c.id)).toEqual([other.id]);
        expect(await store.relations.findActiveBan(author.id, room.id, 0)).toBeNull();
        expect(await store.messages.findById(kept.id)).toEqual(kept);
        expect((await createRoom('general')).id).not.toBe(room.id);
      });
    });

    describeMessageContract(() => store);
    describeDirectContract(() => store);
    describeLinkSpamContract(() => store);
    describeFileContract(() => store);

    describe('relations and bans', () => {
      it('adds relations idempotently, lists them by kind and removes them', async () => {
        const [a, b, c] = [await createUser('a'), await createUser('b'), await createUser('c')];
        await store.relations.add({ ownerId: a.id, targetId: c.id, kind: 'mute' });
        expect(await store.relations.add({ ownerId: a.id, targetId: b.id, kind: 'mute' })).toBe(true);
        expect(await store.relations.add({ ownerId: a.id, targetId: b.id, kind: 'mute' })).toBe(false); // already there
        await store.relations.add({ ownerId: a.id, targetId: b.id, kind: 'block' });
        expect(await store.relations.list(a.id, 'mute')).toEqual([
          { ownerId: a.id, targetId: b.id, kind: 'mute' },
          { ownerId: a.id, targetId: c.id, kind: 'mute' },
        ]);
        expect(await store.relations.has(a.id, b.id, 'block')).toBe(true);
        expect(await store.relations.has(b.id, a.id, 'block')).toBe(false);
        expect(await store.relations.remove({ ownerId: a.id, targetId: b.id, kind: 'block' })).toBe(true);
        expect(await store.relations.remove({ ownerId: a.id, targetId: b.id, kind: 'block' })).toBe(false);
        expect(await store.relations.has(a.id, b.id, 'block')).toBe(false);
      });

      it('finds the relations among a set of users in one call, of the kinds asked', async () => {
        const [a, b, c, d] = [await createUser('a'), await createUser('b'), await createUser('c'), await createUser('d')];
        await store.relations.add({ ownerId: a.id, targetId: b.id, kind: 'mute' });
        await store.relations.add({ ownerId: a.id, targetId: b.id, kind: 'block' });
        await store.relations.add({ ownerId: b.id, targetId: a.id, kind: 'block' });
        await store.relations.add({ ownerId: c.id, targetId: a.id, kind: 'mute' });
        await store.relations.add({ ownerId: a.id, targetId: d.id, kind: 'mute' }); // d is not asked about
        await store.relations.add({ ownerId: d.id, targetId: c.id, kind: 'block' });
        expect(await store.relations.among([c.id, b.id, a.id, a.id], ['mute', 'block'])).toEqual([
          { ownerId: a.id, targetId: b.id, kind: 'block' },
          { ownerId: a.id, targetId: b.id, kind: 'mute' },
          { ownerId: b.id, targetId: a.id, kind: 'block' },
          { ownerId: c.id, targetId: a.id, kind: 'mute' },
        ]);
        expect(await store.relations.among([a.id, b.id, c.id], ['block'])).toEqual([
          { ownerId: a.id, targetId: b.id, kind: 'block' },
          { ownerId: b.id, targetId: a.id, kind: 'block' },
        ]);
        expect(await store.relations.among([a.id], ['mute', 'block'])).toEqual([]);
        expect(await store.relations.among([], ['mute'])).toEqual([]);
        expect(await store.relations.among([a.id, b.id], [])).toEqual([]);
      });

      it('finds what a user takes part in: its own relations and the blocks on it, not mutes on it', async () => {
        const [a, b, c, d] = [await createUser('a'), await createUser('b'), await createUser('c'), await createUser('d')];
        await store.relations.add({ ownerId: a.id, targetId: c.id, kind: 'mute' });
        await store.relations.add({ ownerId: a.id, targetId: b.id, kind: 'block' });
        await store.relations.add({ ownerId: b.id, targetId: a.id, kind: 'block' });
        await store.relations.add({ ownerId: c.id, targetId: a.id, kind: 'mute' });
        await store.relations.add({ ownerId: d.id, targetId: a.id, kind: 'block' });
        await store.relations.add({ ownerId: b.id, targetId: c.id, kind: 'block' });
        expect(await store.relations.involving(a.id)).toEqual([
          { ownerId: a.id, targetId: b.id, kind: 'block' },
          { ownerId: a.id, targetId: c.id, kind: 'mute' },
          { ownerId: b.id, targetId: a.id, kind: 'block' },
          { ownerId: d.id, targetId: a.id, kind: 'block' },
        ]);
        expect(await store.relations.involving(d.id)).toEqual([{ ownerId: d.id, targetId: a.id, kind: 'block' }]);
        await store.relations.remove({ ownerId: d.id, targetId: a.id, kind: 'block' });
        expect(await store.relations.involving(d.id)).toEqual([]);
      });

      it('reports a ban only while it is in force', async () => {
        const user = await createUser('u');
        const room = await createRoom('r');
        const ban = { userId: user.id, conversationId: room.id, reason: 'spam', until: 1000 };
        await store.relations.ban(ban);
        expect(await store.relations.findActiveBan(user.id, room.id, 999)).toEqual(ban);
        expect(await store.relations.findActiveBan(user.id, room.id, 1000)).toBeNull();
        expect(await store.relations.findActiveBan(user.id, null, 999)).toBeNull();
      });

      it('lists the server-wide bans in force with the banned names', async () => {
        const [a, b, c] = [await createUser('zed'), await createUser('amy'), await createUser('old')];
        const room = await createRoom('r');
        await store.relations.ban({ userId: a.id, conversationId: null, reason: 'x', until: null });
        await store.relations.ban({ userId: b.id, conversationId: null, reason: 'y', until: 50 });
        await store.relations.ban({ userId: c.id, conversationId: null, reason: 'z', until: 10 });
        await store.relations.ban({ userId: c.id, conversationId: room.id, reason: 'room only', until: null });
        expect(await store.relations.serverBans(10)).toEqual([
          { userId: b.id, conversationId: null, reason: 'y', until: 50, username: 'amy' },
          { userId: a.id, conversationId: null, reason: 'x', until: null, username: 'zed' },
        ]);
      });

      it('applies a server-wide ban to every conversation', async () => {
        const user = await createUser('u');
        const [r1, r2] = [await createRoom('one'), await createRoom('two')];
        const ban = { userId: user.id, conversationId: null, reason: 'abuse', until: null };
        await store.relations.ban(ban);
        expect(await store.relations.findActiveBan(user.id, r1.id, 5)).toEqual(ban);
        expect(await store.relations.findActiveBan(user.id, r2.id, 5)).toEqual(ban);
        expect(await store.relations.findActiveBan(user.id, null, 5)).toEqual(ban);
        expect(await store.relations.unban(user.id, null)).toBe(true);
        expect(await store.relations.unban(user.id, null)).toBe(false);
        expect(await store.relations.findActiveBan(user.id, r1.id, 5)).toBeNull();
      });

      it('replaces an existing ban for the same user and conversation', async () => {
        const user = await createUser('u');
        const room = await createRoom('r');
        await store.relations.ban({ userId: user.id, conversationId: room.id, reason: 'first', until: 10 });
        await store.relations.ban({ userId: user.id, conversationId: room.id, reason: 'second', until: null });
        expect(await store.relations.findActiveBan(user.id, room.id, 100)).toMatchObject({ reason: 'second', until: null });
      });

      it('answers a member check in one read: conversation, membership, disabled account and ban in force', async () => {
        const [member, outsider] = [await createUser('m'), await createUser('o')];
        const room = await createRoom('r');
        await store.conversations.addMember(room.id, member.id, 'admin', 5);
        expect(await store.conversations.memberAccess(toConversationId(9999), member.id, 10)).toBeNull();
        expect(await store.conversations.memberAccess(room.id, member.id, 10)).toEqual({
          conversation: room,
          membership: { conversationId: room.id, userId: member.id, role: 'admin', lastReadMessageId: 0, clearedThroughId: 0, joinedAt: 5 },
          userDisabled: false,
          banReason: null,
        });
        expect(await store.conversations.memberAccess(room.id, outsider.id, 10)).toMatchObject({ membership: null, banReason: null });
        await store.relations.ban({ userId: member.id, conversationId: room.id, reason: 'spam', until: 100 });
        expect((await store.conversations.memberAccess(room.id, member.id, 99))?.banReason).toBe('spam');
        expect((await store.conversations.memberAccess(room.id, member.id, 100))?.banReason).toBeNull();
        await store.relations.ban({ userId: member.id, conversationId: null, reason: 'everywhere', until: null });
        expect((await store.conversations.memberAccess(room.id, member.id, 100))?.banReason).toBe('everywhere');
        await store.users.update(member.id, { isDisabled: true });
        expect((await store.conversations.memberAccess(room.id, member.id, 100))?.userDisabled).toBe(true);
      });

      it('names as an audience only the members who are enabled and not banned at that time', async () => {
        const [a, b, c, d, outsider] = [await createUser('a'), await createUser('b'), await createUser('c'), await createUser('d'), await createUser('o')];
        const group = await store.conversations.create({ kind: 'group', name: null, title: 'g', createdAt: 1 });
        for (const u of [a, b, c, d]) await store.conversations.addMember(group.id, u.id, 'member', 1);
        await store.relations.ban({ userId: b.id, conversationId: group.id, reason: '', until: 100 });
        await store.relations.ban({ userId: c.id, conversationId: null, reason: '', until: null });
        await store.users.update(d.id, { isDisabled: true });
        expect((await store.conversations.audienceIds(group.id, 50)).sort()).toEqual([a.id]);
        expect((await store.conversations.audienceIds(group.id, 100)).sort()).toEqual([a.id, b.id]); // b's ban has run out
        expect(await store.conversations.audienceIds(group.id, 100)).not.toContain(outsider.id);
      });

      it('bumps the token generation atomically, alone or with a patch', async () => {
        const u = await createUser('g');
        expect(u.tokenGeneration).toBe(0);
        await Promise.all([store.users.update(u.id, { bumpGeneration: true }), store.users.update(u.id, { bumpGeneration: true })]);
        expect((await store.users.update(u.id, { isDisabled: true, bumpGeneration: true }))).toMatchObject({ isDisabled: true, tokenGeneration: 3 });
      });

      it('keeps a feed of access events that readers page through by time', async () => {
        const u = await createUser('f');
        await store.accessEvents.append({ type: 'account.revoked', userId: u.id, generation: 2, reason: 'password' }, 1000);
        await store.accessEvents.append({ type: 'token_family.revoked', userId: u.id, familyId: 'fam' }, 2000);
        await store.accessEvents.append({ type: 'user.banned', userId: u.id, conversationId: null }, 3000);
        const all = await store.accessEvents.since({ at: 0, seq: -1 }, 10);
        expect(all.map((e) => e.event)).toEqual([
          { type: 'account.revoked', userId: u.id, generation: 2, reason: 'password' },
          { type: 'token_family.revoked', userId: u.id, familyId: 'fam' },
          { type: 'user.banned', userId: u.id, conversationId: null },
        ]);
        expect((await store.accessEvents.since({ at: 2000, seq: -1 }, 10)).map((e) => e.at)).toEqual([2000, 3000]);
        const [first] = await store.accessEvents.since({ at: 0, seq: -1 }, 1); // pages follow the cursor
        expect((await store.accessEvents.since({ at: first!.at, seq: first!.seq }, 1)).map((e) => e.at)).toEqual([2000]);
        expect(await store.accessEvents.prune(2500)).toBe(2);
        expect((await store.accessEvents.since({ at: 0, seq: -1 }, 10)).map((e) => e.at)).toEqual([3000]);
      });
    });

    describe('sessions', () => {
      it('tracks sessions per user and the distinct online users', async () => {
        const [a, b] = [await createUser('a'), await createUser('b')];
        const s1 = { id: 's1', userId: a.id, nodeId: 'n1', protocol: 'p', connectedAt: 1 };
        const s2 = { id: 's2', userId: a.id, nodeId: 'n2', protocol: 'q', connectedAt: 2 };
        const s3 = { id: 's3', userId: b.id, nodeId: 'n1', protocol: 'p', connectedAt: 3 };
        for (const s of [s1, s2, s3]) await store.sessions.add(s);
        expect(await store.sessions.listForUser(a.id)).toEqual([{ ...s1, state: null }, { ...s2, state: null }]);
        expect(await store.sessions.hasSessions(a.id)).toBe(true);
        expect(await store.sessions.onlineUserIds()).toEqual([a.id, b.id]);
        await store.sessions.remove('s3');
        expect(await store.sessions.onlineUserIds()).toEqual([a.id]);
        expect(await store.sessions.hasSessions(b.id)).toBe(false);
      });

      it('keeps a rostered session\'s public state, replaces it, and lists a protocol\'s sessions oldest first', async () => {
        const [a, b] = [await createUser('a'), await createUser('b')];
        await store.sessions.add({ id: 'r2', userId: b.id, nodeId: 'n2', protocol: 'barertc', connectedAt: 2, state: { status: 'online', video: 0 } });
        await store.sessions.add({ id: 'r1', userId: a.id, nodeId: 'n1', protocol: 'barertc', connectedAt: 1, state: { status: 'away', nick: 'Ä "quoted"' } });
        await store.sessions.add({ id: 'x', userId: a.id, nodeId: 'n1', protocol: 'connor', connectedAt: 0 });
        expect((await store.sessions.listByProtocol('barertc')).map((r) => [r.id, r.state])).toEqual([['r1', { status: 'away', nick: 'Ä "quoted"' }], ['r2', { status: 'online', video: 0 }]]);
        expect(await store.sessions.setState('r2', { status: 'online', video: 3 })).toBe(true);
        expect(await store.sessions.setState('gone', { status: 'online' })).toBe(false);
        expect((await store.sessions.listByProtocol('barertc'))[1]?.state).toEqual({ status: 'online', video: 3 });
        expect(await store.sessions.remove('r1')).toMatchObject({ id: 'r1', protocol: 'barertc', state: { status: 'away' } });
        expect(await store.sessions.remove('r1')).toBeNull();
        expect((await store.sessions.listByProtocol('connor')).map((r) => r.state)).toEqual([null]);
      });

      it('removes every session of a node and reports the affected users once each', async () => {
        const [a, b, c] = [await createUser('a'), await createUser('b'), await createUser('c')];
        await store.sessions.add({ id: 's1', userId: a.id, nodeId: 'n1', protocol: 'p', connectedAt: 1 });
        await store.sessions.add({ id: 's2', userId: a.id, nodeId: 'n1', protocol: 'p', connectedAt: 2 });
        await store.sessions.add({ id: 's3', userId: b.id, nodeId: 'n1', protocol: 'p', connectedAt: 3 });
        await store.sessions.add({ id: 's4', userId: c.id, nodeId: 'n2', protocol: 'p', connectedAt: 4 });
        expect((await store.sessions.removeNode('n1')).sort((x, y) => x - y)).toEqual([a.id, b.id]);
        expect(await store.sessions.onlineUserIds()).toEqual([c.id]);
        expect(await store.sessions.removeNode('n1')).toEqual([]);
      });

      it('sweeps sessions of nodes whose heartbeat is older than the cutoff or missing', async () => {
        const [a, b, c] = [await createUser('a'), await createUser('b'), await createUser('c')];
        await store.sessions.heartbeat('old', 100);
        await store.sessions.heartbeat('fresh', 100);
        await store.sessions.heartbeat('fresh', 900); // a later beat replaces the earlier one
        await store.sessions.add({ id: 's1', userId: a.id, nodeId: 'old', protocol: 'p', connectedAt: 1 });
        await store.sessions.add({ id: 's2', userId: b.id, nodeId: 'fresh', protocol: 'p', connectedAt: 1 });
        await store.sessions.add({ id: 's3', userId: c.id, nodeId: 'unknown', protocol: 'p', connectedAt: 1 });
        expect((await store.sessions.removeStaleNodes(500)).sort((x, y) => x - y)).toEqual([a.id, c.id]);
        expect(await store.sessions.onlineUserIds()).toEqual([b.id]);
        expect(await store.sessions.removeStaleNodes(500)).toEqual([]);
        await store.sessions.removeNode('fresh');
        expect(await store.sessions.removeStaleNodes(0)).toEqual([]);
      });
    });

    describe('cached blocklists', () => {
      it('keeps one list per username, found by any spelling of the name, and replaces it', async () => {
        expect(await store.blocklists.get('alice')).toEqual([]);
        await store.blocklists.set('Alice', ['bob', 'Carol'], 1000);
        expect(await store.blocklists.get('ALICE')).toEqual(['bob', 'Carol']);
        await store.blocklists.set('alice', ['dave'], 2000);
        expect(await store.blocklists.get('alice')).toEqual(['dave']);
        await store.blocklists.set('alice', [], 3000);
        expect(await store.blocklists.get('alice')).toEqual([]);
      });
    });
  });
}
