import { ChatError } from '../errors.js';
import type { Conversation, Membership, MemberRole } from '../model/conversation.js';
import type { ConversationId, UserId } from '../model/ids.js';
import type { Principal } from '../model/principal.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { Access } from './access.js';
import { audienceOf } from './audience.js';
import { checkName } from './validate.js';

/** Rooms, direct and group conversations, and their memberships. */
export interface ConversationService {
  /** The room with this name, created on first use. Rejects INVALID_INPUT for a bad name. */
  openRoom(name: string): Promise<Conversation>;
  /** Rejects CONVERSATION_NOT_FOUND. */
  get(id: ConversationId): Promise<Conversation>;
  /**
   * Join a room (anyone not banned may). Idempotent: joining again keeps the membership and
   * announces nothing. Direct and group conversations are joined by being added (FORBIDDEN here).
   */
  join(conversationId: ConversationId, user: Principal): Promise<Membership>;
  /** Leave; resolves false when the user was not a member. */
  leave(conversationId: ConversationId, user: Principal): Promise<boolean>;
  /** The direct conversation between two users, created on first use. Rejects BLOCKED. */
  openDirect(a: Principal, b: UserId): Promise<Conversation>;
  /** A new group owned by its creator with the given members. */
  createGroup(owner: Principal, title: string, memberIds: readonly UserId[]): Promise<Conversation>;
  /** Members of a conversation the caller belongs to. Rejects NOT_A_MEMBER. */
  members(conversationId: ConversationId, caller: UserId): Promise<Membership[]>;
  listForUser(userId: UserId): Promise<Conversation[]>;
}

export function createConversationService(deps: { store: Store; bus: Bus; clock: Clock; access: Access }): ConversationService {
  const { store, bus, clock, access } = deps;

  async function addMember(conversation: Conversation, user: Principal, role: MemberRole): Promise<Membership> {
    const before = await store.conversations.getMember(conversation.id, user.id);
    if (before) return before;
    const membership = await store.conversations.addMember(conversation.id, user.id, role, clock.now());
    const audience = await audienceOf(store, conversation);
    await bus.publish({ type: 'member.joined', audience, user: { id: user.id, username: user.username, displayName: user.displayName }, conversation });
    return membership;
  }

  return {
    async openRoom(name) {
      checkName('room name', name);
      return (await store.conversations.findRoomByName(name)) ?? store.conversations.ensureRoom(name, clock.now());
    },

    get: (id) => access.conversation(id),

    async join(conversationId, user) {
      const conversation = await access.conversation(conversationId);
      if (conversation.kind !== 'room') throw new ChatError('FORBIDDEN', 'Only rooms can be joined freely');
      await access.notBanned(user.id, conversationId);
      return addMember(conversation, user, 'member');
    },

    async leave(conversationId, user) {
      const conversation = await access.conversation(conversationId);
      const audience = await audienceOf(store, conversation);
      const removed = await store.conversations.removeMember(conversationId, user.id);
      if (removed) await bus.publish({ type: 'member.left', audience, user: { id: user.id, username: user.username, displayName: user.displayName } });
      return removed;
    },

    async openDirect(a, b) {
      if (a.id === b) throw new ChatError('INVALID_INPUT', 'A direct conversation needs two different users');
      const other = await store.users.findById(b);
      if (!other) throw new ChatError('USER_NOT_FOUND', 'User not found');
      const [ab, ba] = await Promise.all([store.relations.has(a.id, b, 'block'), store.relations.has(b, a.id, 'block')]);
      if (ab || ba) throw new ChatError('BLOCKED', 'A block prevents this conversation');
      const existing = await store.conversations.findDirect(a.id, b);
      if (existing) return existing;
      const conversation = await store.conversations.create({ kind: 'direct', name: null, title: '', createdAt: clock.now() });
      await store.conversations.addMember(conversation.id, a.id, 'member', clock.now());
      await store.conversations.addMember(conversation.id, b, 'member', clock.now());
      return conversation;
    },

    async createGroup(owner, title, memberIds) {
      checkName('title', title);
      const conversation = await store.conversations.create({ kind: 'group', name: null, title, createdAt: clock.now() });
      await store.conversations.addMember(conversation.id, owner.id, 'owner', clock.now());
      for (const id of new Set(memberIds)) {
        if (id !== owner.id) await store.conversations.addMember(conversation.id, id, 'member', clock.now());
      }
      return conversation;
    },

    async members(conversationId, caller) {
      await access.member(conversationId, caller);
      return store.conversations.listMembers(conversationId);
    },

    listForUser: (userId) => store.conversations.listForUser(userId),
  };
}
