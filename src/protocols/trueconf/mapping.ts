import type { Conversation, ConversationKind } from '../../core/model/conversation.js';
import { toConversationId, toMessageId, type ConversationId, type MessageId } from '../../core/model/ids.js';
import type { Message, MessageFormat } from '../../core/model/message.js';

/** ChatTypeEnum (§2.3): P2P 1, GROUP 2 (rooms show as groups too), FAVORITES 5, CHANNEL 6. */
export const chatTypeOf = (kind: ConversationKind): number => ({ direct: 1, group: 2, room: 2, favorites: 5, channel: 6 })[kind];

/** parseMode ⇄ message format (§2.2). */
export const toParseMode = (f: MessageFormat): string => (f === 'plain' ? 'text' : f);
export const fromParseMode = (mode: unknown): MessageFormat => (mode === 'markdown' ? 'markdown' : mode === 'html' ? 'html' : 'plain');

/** Ids travel as decimal strings (DESIGN.md); clients may send numbers too. */
export function parseId(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
/** Conversation ids are 32-bit integers in the store; anything larger names no chat. */
const MAX_CONVERSATION_ID = 2_147_483_647;
export const toChatId = (v: unknown): ConversationId | undefined => {
  const n = parseId(v);
  return n === undefined || n > MAX_CONVERSATION_ID ? undefined : toConversationId(n);
};
export const toMsgId = (v: unknown): MessageId | undefined => {
  const n = parseId(v);
  return n === undefined ? undefined : toMessageId(n);
};

/** `username@domain`, with any `/resource` suffix dropped, → username (when the domain is ours or absent). */
export function usernameOf(trueconfId: unknown, domain: string): string | undefined {
  if (typeof trueconfId !== 'string' || trueconfId === '') return undefined;
  const bare = trueconfId.split('/')[0]!;
  const at = bare.lastIndexOf('@');
  if (at < 0) return bare;
  return bare.slice(at + 1).toLowerCase() === domain.toLowerCase() ? bare.slice(0, at) : undefined;
}

/** ATTACHMENT (202) content (§4): the stored file, always ready. */
export const toAttachmentContent = (a: NonNullable<Message['attachment']>) => ({ name: a.name, size: a.size, mimeType: a.mimeType, fileId: a.fileId, readyState: 2 });

/** The `chat` of an envelope: python-trueconf-bot v1.5 requires it (`Chat`), v1.4 ignores it. */
export interface EnvelopeChat { readonly chatId: string; readonly chatTitle: string | null; readonly chatType: number }

/**
 * An envelope's chat (§4). A P2P chat is titled after the other person, which differs per reader,
 * so its `chatTitle` is null (the library allows it); the envelope then reads the same for both.
 */
export const toEnvelopeChat = (id: number, kind: ConversationKind, title: string): EnvelopeChat =>
  ({ chatId: String(id), chatTitle: kind === 'direct' || title === '' ? null : title, chatType: chatTypeOf(kind) });

/** What an envelope carries besides the message itself. */
export interface EnvelopeExtras {
  /** The original of a forward: the envelope becomes type 201 with the original's envelope as content. */
  readonly forwarded?: { readonly message: Message; readonly authorTrueconfId: string } | null | undefined;
  /** Required at the top level of every envelope a client parses; absent in a forward's content. */
  readonly chat?: EnvelopeChat | undefined;
  /**
   * For a reply: the replied-to message's envelope, expanded one level (it carries its own
   * `replyMessageId` but no `replyMessage`), or null when it is gone for the reader. Left out
   * when undefined.
   */
  readonly replyMessage?: Record<string, unknown> | null | undefined;
}

/**
 * The message envelope (§4): type 200 (202 for a file, 204 for a survey; 201 for a forward, whose
 * content is the original's envelope), box = the message's own increasing id.
 */
export function toEnvelope(m: Message, authorTrueconfId: string, extras: EnvelopeExtras = {}): Record<string, unknown> {
  const { forwarded, ...rest } = extras;
  if (forwarded) return { ...toEnvelope({ ...m, forwardOfId: null }, authorTrueconfId, rest), type: 201, content: toEnvelope(forwarded.message, forwarded.authorTrueconfId) };
  return {
    messageId: String(m.id),
    chatId: String(m.conversationId),
    timestamp: m.createdAt,
    author: { id: authorTrueconfId, type: 1 },
    box: { id: m.id, position: '0' },
    type: m.attachment ? 202 : m.survey ? 204 : 200,
    content: m.attachment ? toAttachmentContent(m.attachment) : m.survey ? { ...m.survey } : { text: m.text, parseMode: toParseMode(m.format) },
    isEdited: m.editedAt !== null,
    ...(m.replyToId === null ? {} : { replyMessageId: String(m.replyToId) }),
    ...(m.replyToId === null || extras.replyMessage === undefined ? {} : { replyMessage: extras.replyMessage }),
    ...(extras.chat === undefined ? {} : { chat: extras.chat }),
  };
}

/**
 * The content of an `editMessage` event (§3): what the envelope now shows (a survey's card, so the
 * event and getMessageById agree), always with `text` and `parseMode`, which every library version
 * requires of an edit (its EditedMessage reads the content as text).
 */
export function toEditedContent(m: Message): Record<string, unknown> {
  const text = { text: m.text, parseMode: toParseMode(m.format) };
  return m.survey ? { ...m.survey, ...text } : text;
}

/**
 * A chat object (§2.3); `title` and `chatTitle` are always strings. `lastMessage` is the newest
 * envelope the reader sees there, never a forward or a system envelope (older libraries cannot
 * parse those in it), or null.
 */
export function toChat(c: Conversation, title: string, unreadMessages: number, avatarUrl: string | null = null, lastMessage: Record<string, unknown> | null = null): Record<string, unknown> {
  return { chatId: String(c.id), title, chatTitle: title, chatType: chatTypeOf(c.kind), unreadMessages, avatarUrl, lastMessage };
}

/** The download URL of a stored file: its capability lets anyone holding the URL fetch it (§6.2). */
export const fileUrl = (publicUrl: string, fileId: string, capability: string): string =>
  `${publicUrl}/bridge/api/client/v1/files/${encodeURIComponent(fileId)}/${capability}`;
