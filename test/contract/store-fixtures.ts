import type { Conversation } from '../../src/core/model/conversation.js';
import type { ConversationId, UserId } from '../../src/core/model/ids.js';
import type { NewMessage } from '../../src/core/model/message.js';
import type { NewUser, StoredUser } from '../../src/core/model/user.js';
import type { Store } from '../../src/core/ports/store.js';

/** A NewUser with defaults; `extra` overrides fields. */
export const newUser = (username: string, extra: Partial<NewUser> = {}): NewUser => ({
  username,
  displayName: username,
  email: null,
  emailVerified: false,
  passwordHash: null,
  isOperator: false,
  isBot: false,
  createdAt: 1_700_000_000_000,
  ...extra,
});

/** A plain-text NewMessage; `extra` overrides fields. */
export const draft = (conversationId: ConversationId, authorId: UserId, text: string, extra: Partial<NewMessage> = {}): NewMessage => ({
  conversationId,
  authorId,
  text,
  format: 'plain',
  replyToId: null,
  clientId: null,
  createdAt: 1_700_000_000_000,
  ...extra,
});

/** Data builders bound to the current test's store (read through `getStore` at call time). */
export function storeHelpers(getStore: () => Store) {
  const createUser = (username: string): Promise<StoredUser> => getStore().users.create(newUser(username));
  const createRoom = (name: string): Promise<Conversation> => getStore().conversations.ensureRoom(name, 1);
  /** A room with one member, ready to receive messages. */
  async function roomWithAuthor(): Promise<{ room: Conversation; author: StoredUser }> {
    const author = await createUser('author');
    const room = await createRoom('general');
    await getStore().conversations.addMember(room.id, author.id, 'member', 1);
    return { room, author };
  }
  return { createUser, createRoom, roomWithAuthor };
}
