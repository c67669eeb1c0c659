import type { ConversationId, MessageId, UserId } from './ids.js';

/** How a message's text is to be read. */
export type MessageFormat = 'plain' | 'markdown' | 'html';

/** A stored message. */
export interface Message {
  readonly id: MessageId;
  readonly conversationId: ConversationId;
  readonly authorId: UserId;
  readonly text: string;
  readonly format: MessageFormat;
  readonly replyToId: MessageId | null;
  /** Client-chosen id that makes retries idempotent per author; null when not given. */
  readonly clientId: string | null;
  /** Unix milliseconds. */
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deletedAt: number | null;
  /** A file sent as the message, or null. */
  readonly attachment: Attachment | null;
  /** The message this one forwards, or null. */
  readonly forwardOfId: MessageId | null;
  /** A survey card (a link to a form, with its labels), or null. */
  readonly survey: Survey | null;
}

/** A survey card: string fields only, kept as the client sent them (url and title required). */
export type Survey = Readonly<Record<string, string | number>> & { readonly url: string; readonly title: string };

/** A stored file as a message carries it. */
export interface Attachment {
  /** Unguessable id of the stored file. */
  readonly fileId: string;
  readonly name: string;
  /** Bytes. */
  readonly size: number;
  readonly mimeType: string;
}

/** What the store needs to insert a message; it assigns the id. */
export type NewMessage = Omit<Message, 'id' | 'editedAt' | 'deletedAt' | 'attachment' | 'forwardOfId' | 'survey'> & {
  readonly attachment?: Attachment | null;
  readonly forwardOfId?: MessageId | null;
  readonly survey?: Survey | null;
};

/** A page of history, oldest first. */
export interface HistoryPage {
  readonly messages: readonly Message[];
  /**
   * Newest pages and beforeId pages: older messages exist before the first one returned.
   * afterId pages: newer messages exist after the last one returned.
   */
  readonly hasMore: boolean;
}
