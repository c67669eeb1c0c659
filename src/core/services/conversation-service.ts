import { ChatError } from '../errors.js';
import type { Conversation, Membership, MemberRole } from '../model/conversation.js';
import type { ConversationId, UserId } from '../model/ids.js';
import type { Principal } from '../model/principal.js';
import { toPublicUser, type User } from '../model/user.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { Access } from './access.js';
import { audienceOf } from './audience.js';
import { newestForNewMember } from './authored.js';
import { checkName } from './validate.js';

/** Rooms, direct and group conversations, and their memberships. */
export interface ConversationService {
  /** The room with this name, created on first use. Rejects INVALID_INPUT for a bad name. */
  openRoom(name: string): Promise<Conversation>;
  /** The room with this name, or null: nothing is created (anonymous listeners). */
  findRoom(name: string): Promise<Conversation | null>;
  /** Rejects CONVERSATION_NOT_FOUND. */
  get(id: ConversationId): Promise<Conversation>;
  /**
   * Join a room (anyone not banned may). Idempotent: joining again keeps the membership and
   * announces nothing. Direct and group conversations are joined by being added (FORBIDDEN here).
   */
  join(conversationId: ConversationId, user: Principal): Promise<Membership>;
  /**
   * Join several rooms at once (BareRTC's channels at login): as `join` for each, with the new
   * memberships written together, one durable commit instead of one per room.
   */
  joinRooms(conversationIds: readonly ConversationId[], user: Principal): Promise<void>;
  /**
   * Leave; resolves false when the user was not a member. A direct or group conversation whose
   * last member leaves is deleted with its messages.
   */
  leave(conversationId: ConversationId, user: Principal): Promise<boolean>;
  /** The direct conversation between two users, created on first use. Rejects BLOCKED or USER_NOT_FOUND. */
  openDirect(a: Principal, b: UserId): Promise<Conversation>;
  /** Like openDirect, but rejects ALREADY_EXISTS when the two already share a direct conversation. */
  createDirect(a: Principal, b: UserId): Promise<Conversation>;
  /** The user's direct conversations that still have another member, with that member. */
  directChats(userId: UserId): Promise<{ conversation: Conversation; other: User }[]>;
  /** Resolves to the conversation when the user is a member (and not banned); rejects otherwise. */
  checkMember(conversationId: ConversationId, userId: UserId): Promise<Conversation>;
  /**
   * Who is in a room, for anyone to see (rooms are public): its enabled, unbanned members, the
   * first `limit` of them. Empty for a conversation that is not a room.
   */
  roomMembers(roomId: ConversationId, limit: number): Promise<User[]>;
  /** Whether the user may see the conversation now: it exists, they are a member, enabled and not banned. */
  maySee(conversationId: ConversationId, userId: UserId): Promise<boolean>;
  /** Tell the conversation's other listeners that the user is typing (ephemeral). */
  typing(user: Principal, conversationId: ConversationId): Promise<void>;
  /** A new group owned by its creator with the given members. */
  createGroup(owner: Principal, title: string, memberIds: readonly UserId[]): Promise<Conversation>;
  /** A new channel: a group whose plain members read and only owners and admins post. */
  createChannel(owner: Principal, title: string): Promise<Conversation>;
  /** The user's own favorites conversation, created on first use (the same one afterwards). */
  openFavorites(user: Principal): Promise<Conversation>;
  /** Members of a conversation the caller belongs to. Rejects NOT_A_MEMBER. */
  members(conversationId: ConversationId, caller: UserId): Promise<Membership[]>;
  listForUser(userId: UserId): Promise<Conversation[]>;
}

/** Conversations and memberships over the store and bus. */
export function createConversationService(deps: { store: Store; bus: Bus; clock: Clock; access: Access }): ConversationService {
  const { store, bus, clock, access } = deps;

  async function addMember(conversation: Conversation, user: Principal, role: MemberRole): Promise<Membership> {
    const before = await store.conversations.getMember(conversation.id, user.id);
    if (before) return before;
    const membership = await store.conversations.addMember(conversation.id, user.id, role, clock.now());
    await announceJoin(conversation, user, membership);
    return membership;
  }

  /** Tell the conversation (and the newcomer) about a new membership. */
  async function announceJoin(conversation: Conversation, user: Principal, membership: { readonly role: MemberRole; readonly joinedAt: number }): Promise<void> {
    const role = membership.role;
    const audience = await audienceOf(store, clock, conversation, user.id);
    const lastMessage = await newestForNewMember(store, conversation.id, user.id);
    await bus.publish({ type: 'member.joined', audience, user: { id: user.id, username: user.username, displayName: user.displayName }, conversation, role, at: membership.joinedAt, ...(lastMessage ? { lastMessage } : {}) });
  }

  /** The pair's direct conversation, made atomically on first use. Rejects INVALID_INPUT, USER_NOT_FOUND or BLOCKED. */
  async function ensureDirect(a: Principal, b: UserId): Promise<{ conversation: Conversation; created: boolean }> {
    if (a.id === b) throw new ChatError('INVALID_INPUT', 'A direct conversation needs two different users');
    const other = await store.users.findById(b);
    if (!other) throw new ChatError('USER_NOT_FOUND', 'User not found');
    if ((await store.relations.among([a.id, b], ['block'])).length > 0) throw new ChatError('BLOCKED', 'A block prevents this conversation');
    const result = await store.conversations.ensureDirect(a.id, b, clock.now());
    if (result.created) {
      // The other side learns that a conversation has appeared for it.
      const audience = await audienceOf(store, clock, result.conversation);
      const user = { id: other.id, username: other.username, displayName: other.displayName };
      await bus.publish({ type: 'member.joined', audience, user, conversation: result.conversation, role: 'member', addedBy: { id: a.id, username: a.username, displayName: a.displayName }, at: result.conversation.createdAt });
    }
    return result;
  }

  /** A group or channel owned by its creator, with these members. */
  async function createOwned(kind: 'group' | 'channel', owner: Principal, title: string, memberIds: readonly UserId[]): Promise<Conversation> {
    checkName('title', title);
    const conversation = await store.conversations.create({ kind, name: null, title, createdAt: clock.now() });
    await store.conversations.addMember(conversation.id, owner.id, 'owner', clock.now());
    for (const id of new Set(memberIds)) {
      if (id !== owner.id) await store.conversations.addMember(conversation.id, id, 'member', clock.now());
    }
    return conversation;
  }

  const service: ConversationService = {
    async openRoom(name) {
      checkName('room name', name);
      return (await store.conversations.findRoomByName(name)) ?? store.conversations.ensureRoom(name, clock.now());
    },

    findRoom: (name) => store.conversations.findRoomByName(name),

    get: (id) => access.conversation(id),

    async join(conversationId, user) {
      const conversation = await access.conversation(conversationId);
      if (conversation.kind !== 'room') throw new ChatError('FORBIDDEN', 'Only rooms can be joined freely');
      await access.notBanned(user.id, conversationId);
      return addMember(conversation, user, 'member');
    },

    async joinRooms(conversationIds, user) {
      const fresh: Conversation[] = [];
      for (const id of conversationIds) {
        // One read per room for the room, the membership and the bans (a login joins several).
        const found = await store.conversations.memberAccess(id, user.id, clock.now());
        if (!found) throw new ChatError('CONVERSATION_NOT_FOUND', 'Conversation not found');
        if (found.conversation.kind !== 'room') throw new ChatError('FORBIDDEN', 'Only rooms can be joined freely');
        if (found.banReason !== null) throw new ChatError('BANNED', found.banReason || 'User banned');
        if (!found.membership) fresh.push(found.conversation);
      }
      if (fresh.length === 0) return;
      const joinedAt = clock.now();
      await store.conversations.addMembers(fresh.map((c) => c.id), user.id, 'member', joinedAt);
      for (const conversation of fresh) await announceJoin(conversation, user, { role: 'member', joinedAt });
    },

    async leave(conversationId, user) {
      const conversation = await access.conversation(conversationId);
      const audience = await audienceOf(store, clock, conversation, user.id);
      const removed = await store.conversations.removeMember(conversationId, user.id);
      if (!removed) return false;
      await bus.publish({ type: 'member.left', audience, user: { id: user.id, username: user.username, displayName: user.displayName }, at: clock.now() });
      // The pair no longer shares this conversation: asking for one again makes a new one.
      if (conversation.kind === 'direct') await store.conversations.releaseDirect(conversationId);
      if (conversation.kind !== 'room' && (await store.conversations.listMembers(conversationId)).length === 0) {
        await store.conversations.delete(conversationId);
      }
      return true;
    },

    async createDirect(a, b) {
      const { conversation, created } = await ensureDirect(a, b);
      if (!created) throw new ChatError('ALREADY_EXISTS', 'Chat already exists between these users!');
      return conversation;
    },

    async directChats(userId) {
      const out: { conversation: Conversation; other: User }[] = [];
      for (const conversation of await store.conversations.listForUser(userId)) {
        if (conversation.kind !== 'direct') continue;
        const other = (await store.conversations.listMembers(conversation.id)).find((m) => m.userId !== userId);
        const user = other && (await store.users.findById(other.userId));
        if (user) out.push({ conversation, other: toPublicUser(user) });
      }
      return out;
    },

    checkMember: async (conversationId, userId) => (await access.member(conversationId, userId)).conversation,

    async roomMembers(roomId, limit) {
      const room = await store.conversations.findById(roomId);
      if (room?.kind !== 'room') return [];
      const ids = (await store.conversations.audienceIds(roomId, clock.now())).slice(0, Math.max(0, limit));
      const users = await Promise.all(ids.map((id) => store.users.findById(id)));
      return users.filter((u) => u !== null).map(toPublicUser);
    },

    async maySee(conversationId, userId) {
      try {
        await access.member(conversationId, userId);
        return true;
      } catch (e) {
        if (e instanceof ChatError && e.code !== 'INTERNAL') return false;
        throw e;
      }
    },

    async typing(user, conversationId) {
      const { conversation } = await access.member(conversationId, user.id);
      await bus.publish({ type: 'typing.started', audience: await audienceOf(store, clock, conversation), user: { id: user.id, username: user.username, displayName: user.displayName } });
    },

    openDirect: async (a, b) => (await ensureDirect(a, b)).conversation,

    createGroup: (owner, title, memberIds) => createOwned('group', owner, title, memberIds),
    createChannel: (owner, title) => createOwned('channel', owner, title, []),
    openFavorites: async (user) => (await store.conversations.ensureFavorites(user.id, clock.now())).conversation,

    async members(conversationId, caller) {
      await access.member(conversationId, caller);
      return store.conversations.listMembers(conversationId);
    },

    listForUser: (userId) => store.conversations.listForUser(userId),
  };
  return service;
}
