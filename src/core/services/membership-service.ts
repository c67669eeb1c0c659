import { ChatError } from '../errors.js';
import type { EventAuthor } from '../events.js';
import type { Conversation, Membership, MemberRole } from '../model/conversation.js';
import type { ConversationId, UserId } from '../model/ids.js';
import type { Principal } from '../model/principal.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { Access } from './access.js';
import { audienceOf } from './audience.js';
import { newestForNewMember } from './authored.js';
import { checkName } from './validate.js';

/**
 * Managing who is in a group or room and what it is called: the owner/admin actions every
 * protocol with roles maps onto. Direct conversations have no roles and refuse them (FORBIDDEN).
 */
export interface MembershipService {
  /** Add a user (owner/admin only). Rejects ALREADY_EXISTS when already a member, USER_NOT_FOUND, FORBIDDEN. */
  add(actor: Principal, conversationId: ConversationId, userId: UserId, role?: MemberRole): Promise<Membership>;
  /** Remove a member (owner/admin, or the member itself). Rejects NOT_A_MEMBER, FORBIDDEN. */
  remove(actor: Principal, conversationId: ConversationId, userId: UserId): Promise<void>;
  /** Change a member's role (owner/admin; only an owner makes owners). Rejects NOT_A_MEMBER, FORBIDDEN. */
  setRole(actor: Principal, conversationId: ConversationId, userId: UserId, role: MemberRole): Promise<void>;
  /** Rename (owner/admin). Rejects INVALID_INPUT for an empty title. */
  rename(actor: Principal, conversationId: ConversationId, title: string): Promise<{ conversation: Conversation; at: number }>;
  /** Set the avatar (owner/admin) to an uploaded file, taking its temporal id. Rejects FILE_NOT_FOUND. */
  setAvatar(actor: Principal, conversationId: ConversationId, temporalFileId: string): Promise<void>;
  /** Delete every message for everyone (owner/admin), or — forAll false — hide the history from the actor only. */
  clearHistory(actor: Principal, conversationId: ConversationId, forAll: boolean): Promise<void>;
  /** Delete the conversation for everyone (its owner; either member of a direct conversation). */
  removeConversation(actor: Principal, conversationId: ConversationId): Promise<void>;
}

const isModerator = (m: Membership) => m.role === 'owner' || m.role === 'admin';

export function createMembershipService(deps: { store: Store; bus: Bus; clock: Clock; access: Access }): MembershipService {
  const { store, bus, clock, access } = deps;

  const author = (p: Principal): EventAuthor => ({ id: p.id, username: p.username, displayName: p.displayName });

  /** The actor's membership, required to be owner/admin of a group or room. */
  async function moderator(actor: Principal, conversationId: ConversationId): Promise<{ conversation: Conversation; membership: Membership }> {
    const found = await access.member(conversationId, actor.id);
    if (found.conversation.kind === 'direct' || !isModerator(found.membership)) throw new ChatError('FORBIDDEN', 'Not enough rights');
    return found;
  }

  async function userAuthor(userId: UserId): Promise<EventAuthor> {
    const user = await store.users.findById(userId);
    if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
    return { id: user.id, username: user.username, displayName: user.displayName };
  }

  return {
    async add(actor, conversationId, userId, role = 'member') {
      const { conversation } = await moderator(actor, conversationId);
      const user = await userAuthor(userId);
      if (await store.conversations.getMember(conversationId, userId)) throw new ChatError('ALREADY_EXISTS', 'User already in chat');
      if (role === 'owner') throw new ChatError('FORBIDDEN', 'A conversation has one owner');
      const membership = await store.conversations.addMember(conversationId, userId, role, clock.now());
      // The chat appears for the new member with its newest message, as chat lists show it.
      const lastMessage = await newestForNewMember(store, conversationId, userId);
      await bus.publish({ type: 'member.joined', audience: await audienceOf(store, clock, conversation, userId), user, conversation, role, addedBy: author(actor), at: membership.joinedAt, ...(lastMessage ? { lastMessage } : {}) });
      return membership;
    },

    async remove(actor, conversationId, userId) {
      const { conversation, membership } = userId === actor.id ? await access.member(conversationId, actor.id) : await moderator(actor, conversationId);
      if (conversation.kind === 'direct') throw new ChatError('FORBIDDEN', 'A direct conversation is left, not edited');
      const target = await store.conversations.getMember(conversationId, userId);
      if (target?.role === 'owner' && membership.role !== 'owner') throw new ChatError('FORBIDDEN', 'Only the owner can remove the owner');
      const user = await userAuthor(userId);
      const audience = await audienceOf(store, clock, conversation, userId); // before removal: the removed user hears it too
      if (!(await store.conversations.removeMember(conversationId, userId))) throw new ChatError('NOT_A_MEMBER', 'User is not a chat participant');
      await bus.publish({ type: 'member.left', audience, user, removedBy: author(actor), at: clock.now() });
    },

    async setRole(actor, conversationId, userId, role) {
      const { conversation, membership } = await moderator(actor, conversationId);
      const target = await store.conversations.getMember(conversationId, userId);
      if (!target) throw new ChatError('NOT_A_MEMBER', 'User is not a chat participant');
      // One owner: only the owner changes the owner's role, and making someone owner hands it over.
      if ((role === 'owner' || target.role === 'owner') && membership.role !== 'owner') throw new ChatError('FORBIDDEN', 'Only the owner can change ownership');
      if (target.role === 'owner' && role !== 'owner') throw new ChatError('FORBIDDEN', 'Hand ownership to someone else first');
      if (role === 'owner' && userId !== actor.id) {
        await store.conversations.setRole(conversationId, actor.id, 'admin');
        await bus.publish({ type: 'member.role_changed', audience: await audienceOf(store, clock, conversation), user: author(actor), role: 'admin', at: clock.now() });
      }
      await store.conversations.setRole(conversationId, userId, role);
      await bus.publish({ type: 'member.role_changed', audience: await audienceOf(store, clock, conversation), user: await userAuthor(userId), role, at: clock.now() });
    },

    async rename(actor, conversationId, title) {
      checkName('title', title);
      const { conversation } = await moderator(actor, conversationId);
      await store.conversations.setTitle(conversationId, title);
      const at = clock.now();
      await bus.publish({ type: 'conversation.renamed', audience: await audienceOf(store, clock, conversation), title, by: author(actor), at });
      return { conversation: { ...conversation, title }, at };
    },

    async setAvatar(actor, conversationId, temporalFileId) {
      const { conversation } = await moderator(actor, conversationId);
      const pending = await store.files.findTemporal(temporalFileId);
      if (!pending || pending.uploaderId !== actor.id) throw new ChatError('FILE_NOT_FOUND', 'Unknown or used temporal file id');
      const file = await store.files.takeTemporal(temporalFileId);
      if (!file) throw new ChatError('FILE_NOT_FOUND', 'Unknown or used temporal file id');
      await store.conversations.setAvatar(conversationId, file.id);
      await bus.publish({ type: 'conversation.avatar_changed', audience: await audienceOf(store, clock, conversation), fileId: file.id, by: author(actor), at: clock.now() });
    },

    async clearHistory(actor, conversationId, forAll) {
      const { conversation } = forAll ? await moderator(actor, conversationId) : await access.member(conversationId, actor.id);
      if (!forAll) {
        // Private to the actor: nobody else is told (its own client knows what it asked for).
        const newest = (await store.messages.history(conversationId, { limit: 1 })).messages[0];
        if (newest) {
          await store.conversations.clearFor(conversationId, actor.id, newest.id);
          await store.conversations.setReadPosition(conversationId, actor.id, newest.id);
        }
        return;
      }
      await store.messages.deleteAll(conversationId);
      await bus.publish({ type: 'history.cleared', audience: await audienceOf(store, clock, conversation), forAll, by: author(actor) });
    },

    async removeConversation(actor, conversationId) {
      const { conversation, membership } = await access.member(conversationId, actor.id);
      if (conversation.kind !== 'direct' && membership.role !== 'owner') throw new ChatError('FORBIDDEN', 'Only the owner can remove the chat');
      const audience = await audienceOf(store, clock, conversation);
      await store.conversations.delete(conversationId);
      await bus.publish({ type: 'conversation.deleted', audience });
    },
  };
}
