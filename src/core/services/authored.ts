import type { AuthoredMessage, EventAuthor } from '../events.js';
import type { ConversationId, UserId } from '../model/ids.js';
import type { Message } from '../model/message.js';
import type { Store } from '../ports/store.js';

/** The author fields events carry; a deleted account still renders, as "unknown". */
export async function authorOf(store: Store, id: UserId): Promise<EventAuthor> {
  const user = await store.users.findById(id);
  return user ? { id: user.id, username: user.username, displayName: user.displayName } : { id, username: 'unknown', displayName: 'unknown' };
}

/** A message with its author and, for a forward, the message it copies (when that still exists). */
export async function authored(store: Store, message: Message): Promise<AuthoredMessage> {
  const original = message.forwardOfId === null ? null : await store.messages.findById(message.forwardOfId);
  const forwarded = original ? { message: original, author: await authorOf(store, original.authorId) } : null;
  return { message, author: await authorOf(store, message.authorId), ...(forwarded ? { forwarded } : {}) };
}

/**
 * The newest message a member who has just joined sees in a conversation: not deleted, not a
 * forward (clients show a chat's last message, and older TrueConf libraries cannot read a forward
 * there), not one it hid for itself. One indexed, newest-first lookup; undefined when there is none.
 */
export async function newestForNewMember(store: Store, conversationId: ConversationId, userId: UserId): Promise<AuthoredMessage | undefined> {
  const [newest] = (await store.messages.history(conversationId, { limit: 1, skipDeleted: true, skipForwards: true, hiddenFor: userId })).messages;
  return newest ? authored(store, newest) : undefined;
}
