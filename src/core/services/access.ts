import { ChatError } from '../errors.js';
import type { Conversation, Membership } from '../model/conversation.js';
import type { ConversationId, UserId } from '../model/ids.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

/**
 * The checks every conversation action shares: the conversation exists, the user is not banned
 * from it (or from the server), and — where asked — is a member. Kept in one place so every
 * protocol gets the same answer.
 */
export interface Access {
  conversation(id: ConversationId): Promise<Conversation>;
  /** Rejects BANNED when a ban on this conversation or server-wide is in force. */
  notBanned(userId: UserId, conversationId: ConversationId): Promise<void>;
  /** Rejects CONVERSATION_NOT_FOUND, USER_DISABLED, NOT_A_MEMBER or BANNED; resolves to the membership. */
  member(conversationId: ConversationId, userId: UserId): Promise<{ conversation: Conversation; membership: Membership }>;
}

/** The shared existence, membership, account and ban checks. */
export function createAccess(store: Store, clock: Clock): Access {
  const access: Access = {
    async conversation(id) {
      const conversation = await store.conversations.findById(id);
      if (!conversation) throw new ChatError('CONVERSATION_NOT_FOUND', 'Conversation not found');
      return conversation;
    },
    async notBanned(userId, conversationId) {
      const ban = await store.relations.findActiveBan(userId, conversationId, clock.now());
      if (ban) throw new ChatError('BANNED', ban.reason || 'User banned');
    },
    async member(conversationId, userId) {
      const found = await store.conversations.memberAccess(conversationId, userId, clock.now());
      if (!found) throw new ChatError('CONVERSATION_NOT_FOUND', 'Conversation not found');
      if (found.userDisabled) throw new ChatError('USER_DISABLED', 'User banned');
      if (!found.membership) throw new ChatError('NOT_A_MEMBER', 'Not a member of this conversation');
      if (found.banReason !== null) throw new ChatError('BANNED', found.banReason || 'User banned');
      return { conversation: found.conversation, membership: found.membership };
    },
  };
  return access;
}
