import type { Conversation } from '../model/conversation.js';
import type { UserId } from '../model/ids.js';
import type { Store } from '../ports/store.js';
import type { EventAudience } from '../events.js';

/**
 * Who an event about this conversation is for. Rooms are found by conversation subscription on
 * each node, so their member list is not read; direct and group conversations name their members.
 */
export async function audienceOf(store: Store, conversation: Conversation, alsoUser?: UserId): Promise<EventAudience> {
  if (conversation.kind === 'room' && alsoUser !== undefined) {
    // A user who just joined or left a room is not subscribed to it (yet, or any more): name it.
    return { conversationId: conversation.id, kind: conversation.kind, memberIds: [alsoUser] };
  }
  const memberIds = conversation.kind === 'room' ? [] : (await store.conversations.listMembers(conversation.id)).map((m) => m.userId);
  return { conversationId: conversation.id, kind: conversation.kind, memberIds };
}
