import type { Conversation } from '../model/conversation.js';
import type { UserId } from '../model/ids.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { EventAudience } from '../events.js';

/**
 * Who an event about this conversation is for. Rooms are found by conversation subscription on
 * each node, so their member list is not read; direct and group conversations name the members
 * who may see it at commit time (enabled, not banned). That list is what the hub's per-viewer
 * policy holds every session to, whichever node and door it is on.
 */
export async function audienceOf(store: Store, clock: Clock, conversation: Conversation, alsoUser?: UserId): Promise<EventAudience> {
  const title = conversation.title || (conversation.name ?? '');
  if (conversation.kind === 'room') {
    // A user who just joined or left a room is not subscribed to it (yet, or any more): name it.
    return { conversationId: conversation.id, kind: conversation.kind, memberIds: alsoUser === undefined ? [] : [alsoUser], title };
  }
  const memberIds = await store.conversations.audienceIds(conversation.id, clock.now());
  // A member being removed is told of it even if the list would no longer show them.
  if (alsoUser !== undefined && !memberIds.includes(alsoUser)) memberIds.push(alsoUser);
  return { conversationId: conversation.id, kind: conversation.kind, memberIds, title };
}
