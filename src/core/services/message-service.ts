import { ChatError } from '../errors.js';
import type { AuthoredMessage, EventAuthor } from '../events.js';
import type { ConversationId, MessageId, UserId } from '../model/ids.js';
import type { Attachment, HistoryPage, Message, MessageFormat, Survey } from '../model/message.js';
import type { Principal } from '../model/principal.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { DirectPartnerSort, Store } from '../ports/store.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Access } from './access.js';
import { audienceOf } from './audience.js';
import { authored } from './authored.js';
import { enforceLimits } from './limits.js';
import { checkText } from './validate.js';

/** A message as an adapter hands it to the core. */
export interface SendMessage {
  readonly conversationId: ConversationId;
  readonly text: string;
  readonly format?: MessageFormat;
  readonly replyToId?: MessageId | null;
  /** Makes retries idempotent: the same author and clientId yield the first message again. */
  readonly clientId?: string | null;
  /** A stored file sent as the message (files.send builds it). */
  readonly attachment?: Attachment | null;
  /** A survey card; the text should be a readable stand-in (surveyText) for protocols without cards. */
  readonly survey?: Survey | null;
}

/** How a survey card reads where cards are not shown: its title and link. */
export const surveyText = (s: Survey): string => `${s.title}: ${s.url}`;

/** Largest history page a caller may ask for. */
export const MAX_HISTORY_PAGE = 1000;

/** Posting, editing, deleting and reading messages. */
export interface MessageService {
  /**
   * Store the message (acknowledged after commit) and announce message.created to every node.
   * Rejects CONVERSATION_NOT_FOUND, NOT_A_MEMBER, BANNED, BLOCKED, MESSAGE_NOT_FOUND (reply) or INVALID_INPUT.
   */
  send(author: Principal, cmd: SendMessage): Promise<Message>;
  /** Copy a message the user can read into another conversation it belongs to, marked as forwarded. */
  forward(user: Principal, messageId: MessageId, conversationId: ConversationId): Promise<Message>;
  /** The message a forward copies, with its author (whoever can read the forward may see it); null when gone. */
  origin(forward: Message): Promise<{ message: Message; author: EventAuthor } | null>;
  /**
   * Replace a message's text, and its format when given (the author only). Only a message whose
   * content is its text can be: a survey, a file or a forward is refused INVALID_INPUT, since its
   * card, file or original would otherwise still show what the new text no longer says.
   */
  edit(editor: Principal, messageId: MessageId, text: string, format?: MessageFormat): Promise<Message>;
  /** Change a survey card's fields (the author only); rejects MESSAGE_NOT_FOUND for a message that is not a survey. */
  editSurvey(editor: Principal, messageId: MessageId, changes: Readonly<Record<string, string | number>>): Promise<Message>;
  /** The author, or an owner/admin of the conversation, may delete. */
  remove(actor: Principal, messageId: MessageId): Promise<void>;
  /** Remove a message from the actor's own view only (any member may); nobody else is told. */
  hide(actor: Principal, messageId: MessageId): Promise<void>;
  /** A page of history for a member; limit is clamped to 1..MAX_HISTORY_PAGE. */
  history(reader: Principal, conversationId: ConversationId, query: { beforeId?: MessageId; afterId?: MessageId; limit: number; skipDeleted?: boolean; skipForwards?: boolean }): Promise<HistoryPage>;
  /**
   * The newest `limit` messages of a room (clamped to 1..MAX_HISTORY_PAGE), deleted ones left out,
   * for anyone: rooms are public, and anonymous listeners hear them live. Empty for a conversation
   * that is not a room, so other kinds stay unseen. A reader banned from the room or the server is
   * refused BANNED.
   */
  roomHistory(reader: Principal | null, roomId: ConversationId, limit: number): Promise<HistoryPage>;
  /** Move the reader's read position forward. */
  markRead(reader: Principal, conversationId: ConversationId, messageId: MessageId): Promise<void>;
  /** One message of a conversation the reader belongs to. Rejects MESSAGE_NOT_FOUND (also when deleted) or the member check's errors. */
  get(reader: Principal, messageId: MessageId): Promise<Message>;
  /** The reader's unread messages across its conversations, oldest first, at most `cap` (the newest ones). */
  unread(reader: Principal, cap: number): Promise<Message[]>;
  /** How many messages of the conversation the reader has not read. */
  unreadCount(reader: Principal, conversationId: ConversationId): Promise<number>;
  /**
   * A page of the reader's direct conversation with `peerId`, newest first (deleted messages and
   * what the reader cleared or hid left out), before `beforeId` when given; `remaining` counts the
   * messages older than the last one of the page (0 for an empty page). No conversation yet: an
   * empty page. `limit` is clamped to 1..MAX_HISTORY_PAGE. (BareRTC /api/message/history.)
   */
  directPage(reader: Principal, peerId: UserId, query: { readonly beforeId?: MessageId; readonly limit: number }): Promise<{ messages: Message[]; remaining: number }>;
  /** The reader's direct-conversation partners, a page at a time (see MessageStore.directPartners). */
  directPartners(reader: Principal, page: { readonly sort: DirectPartnerSort; readonly offset: number; readonly limit: number }): Promise<{ usernames: string[]; threads: number }>;
  /**
   * Erase every message of every direct conversation the user is a member of, for both parties
   * (BareRTC /api/message/clear, e.g. when the website deletes the account); each conversation
   * that had any is announced as history.cleared for all. Resolves to how many were erased.
   */
  eraseDirect(userId: UserId): Promise<number>;
}

/** A history page size within 1..MAX_HISTORY_PAGE; anything not a finite number asks for the most. */
const clampPage = (limit: number): number => (Number.isFinite(limit) ? Math.min(Math.max(Math.trunc(limit), 1), MAX_HISTORY_PAGE) : MAX_HISTORY_PAGE);

const toAuthor = (p: Principal): EventAuthor => ({ id: p.id, username: p.username, displayName: p.displayName });

/** Messages over the store (group-committed) and the bus. */
export function createMessageService(deps: { store: Store; bus: Bus; clock: Clock; access: Access; limiter: RateLimiter }): MessageService {
  const { store, bus, clock, access, limiter } = deps;

  async function ownMessage(messageId: MessageId): Promise<Message> {
    const message = await store.messages.findById(messageId);
    if (!message || message.deletedAt !== null) throw new ChatError('MESSAGE_NOT_FOUND', 'Message not found');
    return message;
  }

  /** Store a message (after the member, block, channel and reply checks) and announce it. */
  async function post(author: Principal, cmd: SendMessage & { forwardOfId?: MessageId }, forwarded?: { message: Message; author: EventAuthor }): Promise<Message> {
    checkText(cmd.text);
    // The flood limit, per user on every door together (rate_limits.message).
    await enforceLimits(limiter, 'message', { user: author.id });
    const { conversation, membership } = await access.member(cmd.conversationId, author.id);
    const mutedBy = conversation.kind === 'direct' ? await checkNoBlock(store, conversation.id, author) : null;
    if (conversation.kind === 'channel' && membership.role === 'member') throw new ChatError('FORBIDDEN', 'Only owners and admins post in a channel');
    let replyTo: AuthoredMessage | undefined;
    if (cmd.replyToId != null) {
      const target = await store.messages.findById(cmd.replyToId);
      if (target?.conversationId !== conversation.id) throw new ChatError('MESSAGE_NOT_FOUND', 'Replied-to message not found');
      // Announced with the reply, so protocols that show what is replied to need no lookup per reader.
      if (target.deletedAt === null) replyTo = await authored(store, target);
    }
    const message = await store.messages.insert({
      conversationId: conversation.id,
      authorId: author.id,
      text: cmd.text,
      format: cmd.format ?? 'plain',
      replyToId: cmd.replyToId ?? null,
      clientId: cmd.clientId ?? null,
      attachment: cmd.attachment ?? null,
      survey: cmd.survey ?? null,
      forwardOfId: cmd.forwardOfId ?? null,
      createdAt: clock.now(),
    });
    // BareRTC §4.7: a DM to someone who muted its author is dropped for them, silently. The author
    // keeps it; the muter is not shown it live (the hub) nor later in history or unread counts.
    if (mutedBy !== null) await store.messages.hide(message.id, mutedBy);
    await bus.publish({ type: 'message.created', audience: await audienceOf(store, clock, conversation), message, author: toAuthor(author), ...(forwarded ? { forwarded } : {}), ...(replyTo ? { replyTo } : {}) });
    return message;
  }

  return {
    send: (author, cmd) => post(author, cmd),

    async origin(forward) {
      const original = forward.forwardOfId === null ? null : await store.messages.findById(forward.forwardOfId);
      if (!original) return null;
      const author = await store.users.findById(original.authorId);
      return { message: original, author: author ? toAuthor(author) : { id: original.authorId, username: 'unknown', displayName: 'unknown' } };
    },

    async forward(user, messageId, conversationId) {
      const original = await ownMessage(messageId);
      await access.member(original.conversationId, user.id);
      const originalAuthor = await store.users.findById(original.authorId);
      const forwarded = { message: original, author: originalAuthor ? toAuthor(originalAuthor) : { id: original.authorId, username: 'unknown', displayName: 'unknown' } };
      return post(user, { conversationId, text: original.text, format: original.format, attachment: original.attachment, forwardOfId: original.id }, forwarded);
    },

    async edit(editor, messageId, text, format) {
      checkText(text);
      const message = await ownMessage(messageId);
      if (message.authorId !== editor.id) throw new ChatError('FORBIDDEN', 'Only the author can edit a message');
      if (message.survey || message.attachment || message.forwardOfId !== null) throw new ChatError('INVALID_INPUT', 'Only a text message can be edited as text');
      const { conversation } = await access.member(message.conversationId, editor.id);
      const edited = await store.messages.edit(messageId, text, clock.now(), format);
      if (!edited) throw new ChatError('MESSAGE_NOT_FOUND', 'Message not found');
      await bus.publish({ type: 'message.edited', audience: await audienceOf(store, clock, conversation), message: edited, author: toAuthor(editor) });
      return edited;
    },

    async editSurvey(editor, messageId, changes) {
      const message = await ownMessage(messageId);
      if (!message.survey) throw new ChatError('MESSAGE_NOT_FOUND', 'Not a survey');
      if (message.authorId !== editor.id) throw new ChatError('FORBIDDEN', 'Only the author can edit a message');
      const { conversation } = await access.member(message.conversationId, editor.id);
      const survey = { ...message.survey, ...changes, url: message.survey.url, title: typeof changes['title'] === 'string' ? changes['title'] : message.survey.title };
      const edited = await store.messages.editSurvey(messageId, survey, surveyText(survey), clock.now());
      if (!edited) throw new ChatError('MESSAGE_NOT_FOUND', 'Message not found');
      await bus.publish({ type: 'message.edited', audience: await audienceOf(store, clock, conversation), message: edited, author: toAuthor(editor) });
      return edited;
    },

    async remove(actor, messageId) {
      const message = await ownMessage(messageId);
      const { conversation, membership } = await access.member(message.conversationId, actor.id);
      if (message.authorId !== actor.id && membership.role === 'member') throw new ChatError('FORBIDDEN', 'Only the author or a moderator can delete a message');
      await store.messages.markDeleted(messageId, clock.now());
      await bus.publish({ type: 'message.deleted', audience: await audienceOf(store, clock, conversation), messageId, deletedBy: toAuthor(actor) });
    },

    async hide(actor, messageId) {
      const message = await ownMessage(messageId);
      await access.member(message.conversationId, actor.id);
      await store.messages.hide(messageId, actor.id);
    },

    async history(reader, conversationId, query) {
      const { membership } = await access.member(conversationId, reader.id);
      const limit = clampPage(query.limit);
      // What the reader cleared for itself stays hidden from it.
      const floor = membership.clearedThroughId;
      return store.messages.history(conversationId, { ...query, limit, hiddenFor: reader.id, ...(floor > 0 ? { floorId: floor } : {}) });
    },

    async roomHistory(reader, roomId, limit) {
      const room = await store.conversations.findById(roomId);
      if (room?.kind !== 'room') return { messages: [], hasMore: false };
      if (reader) await access.notBanned(reader.id, roomId);
      return store.messages.history(roomId, { limit: clampPage(limit), skipDeleted: true });
    },

    async get(reader, messageId) {
      const message = await ownMessage(messageId);
      const { membership } = await access.member(message.conversationId, reader.id);
      if (message.id <= membership.clearedThroughId || (await store.messages.isHidden(message.id, reader.id))) throw new ChatError('MESSAGE_NOT_FOUND', 'Message not found');
      return message;
    },

    unread: (reader, cap) => store.messages.unreadFor(reader.id, Math.max(0, Math.trunc(cap))),

    async unreadCount(reader, conversationId) {
      const { membership } = await access.member(conversationId, reader.id);
      return store.messages.countUnread(conversationId, membership.lastReadMessageId, reader.id);
    },

    async directPage(reader, peerId, { beforeId, limit }) {
      const conversation = await store.conversations.findDirect(reader.id, peerId);
      if (!conversation) return { messages: [], remaining: 0 };
      const { membership } = await access.member(conversation.id, reader.id);
      const floor = membership.clearedThroughId > 0 ? { floorId: membership.clearedThroughId } : {};
      const page = await store.messages.history(conversation.id, { limit: clampPage(limit), skipDeleted: true, hiddenFor: reader.id, ...floor, ...(beforeId !== undefined && beforeId > 0 ? { beforeId } : {}) });
      const messages = [...page.messages].reverse();
      const oldest = messages[messages.length - 1];
      const remaining = oldest && page.hasMore ? await store.messages.countBefore(conversation.id, oldest.id, { ...floor, hiddenFor: reader.id }) : 0;
      return { messages, remaining };
    },

    directPartners: (reader, page) => store.messages.directPartners(reader.id, { sort: page.sort, offset: Math.max(0, Math.trunc(page.offset)), limit: clampPage(page.limit) }),

    async eraseDirect(userId) {
      const user = await store.users.findById(userId);
      if (!user) return 0;
      let erased = 0;
      for (const conversation of await store.conversations.listForUser(userId)) {
        if (conversation.kind !== 'direct') continue;
        const n = await store.messages.deleteAll(conversation.id);
        if (n === 0) continue;
        erased += n;
        // Live clients of every door drop the thread's lines, as after a clear "for all".
        await bus.publish({ type: 'history.cleared', audience: await audienceOf(store, clock, conversation), forAll: true, by: toAuthor(user) });
      }
      return erased;
    },

    async markRead(reader, conversationId, messageId) {
      await access.member(conversationId, reader.id);
      await store.conversations.setReadPosition(conversationId, reader.id, messageId);
    },
  };
}

/**
 * In a direct conversation, a block either way stops messages. Resolves to the other member when
 * it has muted the author (the message is then dropped for it), else null. One relations query.
 */
async function checkNoBlock(store: Store, conversationId: ConversationId, author: Principal): Promise<UserId | null> {
  const other = (await store.conversations.listMembers(conversationId)).find((m) => m.userId !== author.id);
  if (!other) return null;
  const relations = await store.relations.among([author.id, other.userId], ['mute', 'block']);
  if (relations.some((r) => r.kind === 'block')) throw new ChatError('BLOCKED', 'A block prevents this message');
  return relations.some((r) => r.kind === 'mute' && r.ownerId === other.userId) ? other.userId : null;
}
