import type { Core } from '../../core/core.js';
import { ChatError } from '../../core/errors.js';
import type { Conversation } from '../../core/model/conversation.js';
import type { ConversationId, MessageId } from '../../core/model/ids.js';
import type { Message } from '../../core/model/message.js';
import type { Principal } from '../../core/model/principal.js';
import { toEnvelope, toEnvelopeChat, type EnvelopeChat } from './mapping.js';

/** The reader envelopes are rendered for, and what rendering needs. */
export interface Reader {
  readonly core: Core;
  readonly me: Principal;
  readonly domain: string;
}

/** The envelope `chat` of a conversation (§4). */
export const chatOf = (c: Conversation): EnvelopeChat => toEnvelopeChat(c.id, c.kind, c.title || c.name || '');

/**
 * Envelopes (§4) of messages the reader may see (a history page, unread messages, one message),
 * each with its `chat` and — with `replies` — a reply's `replyMessage`: the replied-to envelope one
 * level deep, or null when the reader cannot see it (deleted, removed or cleared for itself).
 * Replied-to messages on the same page are taken from it; others are read through the core's
 * per-reader check. `conversation` saves its lookup when the caller has it.
 */
export async function envelopesFor(r: Reader, messages: readonly Message[], options: { replies: boolean; conversation?: Conversation }): Promise<Record<string, unknown>[]> {
  const onPage = new Map(messages.map((m) => [m.id, m]));
  const targets = new Map<MessageId, Message | null>();
  if (options.replies) {
    for (const m of messages) {
      if (m.replyToId === null || targets.has(m.replyToId)) continue;
      targets.set(m.replyToId, onPage.get(m.replyToId) ?? (await visible(r, m.replyToId)));
    }
  }
  const shown = [...messages, ...[...targets.values()].filter((t) => t !== null)];
  const origins = new Map(await Promise.all(shown.filter((m) => m.forwardOfId !== null).map(async (m) => [m.id, await r.core.messages.origin(m)] as const)));
  const authors = await r.core.users.findMany(shown.map((m) => m.authorId));
  const chats = new Map<ConversationId, EnvelopeChat>(options.conversation ? [[options.conversation.id, chatOf(options.conversation)]] : []);
  for (const m of messages) if (!chats.has(m.conversationId)) chats.set(m.conversationId, chatOf(await r.core.conversations.get(m.conversationId)));

  const idOf = (username: string | undefined) => `${username ?? 'unknown'}@${r.domain}`;
  const render = (m: Message, replyMessage?: Record<string, unknown> | null) => {
    const origin = origins.get(m.id);
    const forwarded = origin ? { message: origin.message, authorTrueconfId: idOf(origin.author.username) } : null;
    return toEnvelope(m, idOf(authors.get(m.authorId)?.username), { forwarded, chat: chats.get(m.conversationId), replyMessage });
  };
  return messages.map((m) => {
    if (m.replyToId === null || !options.replies) return render(m);
    const target = targets.get(m.replyToId);
    return render(m, target ? render(target) : null);
  });
}

/** The message if the reader may see it now, else null (any refusal of the core's check). */
async function visible(r: Reader, id: MessageId): Promise<Message | null> {
  try {
    return await r.core.messages.get(r.me, id);
  } catch (e) {
    if (e instanceof ChatError && e.code !== 'INTERNAL') return null;
    throw e;
  }
}
